/**
 * A path glob as a RegExp over `/`-separated relative paths, anchored at both ends: `**` spans
 * folders (and `**` followed by `/` also spans none), `*` and `?` stay inside one segment, `{a,b}`
 * is either (an unbalanced brace is literal). The one glob grammar of paths: hashFiles, trigger
 * paths, policy paths. Git's tag patterns follow git's own rules (metrics/git/tag-pattern.ts).
 */
export function globToRegExp(glob: string): RegExp {
  const groups = balancedBraces(glob);
  let re = "";
  let open = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (groups && c === "{") {
      open++;
      re += "(?:";
    } else if (groups && c === "}") {
      open--;
      re += ")";
    } else if (groups && open > 0 && c === ",") re += "|";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Whether every `{` has its `}` (then braces are groups). */
function balancedBraces(glob: string): boolean {
  let depth = 0;
  for (const c of glob) {
    if (c === "{") depth++;
    else if (c === "}" && --depth < 0) return false;
  }
  return depth === 0;
}
