/** A pipeline of project `shop` with the gate between test and deploy, and the default policy. */
export const gatedPipeline = `name: shop
jobs:
  test:
    steps:
      - run: echo tested
  gate:
    needs: [test]
    steps:
      - uses: sluice/gate
        with: { policy: .sluice/policy.yml, environment: production }
  deploy:
    needs: [gate]
    steps:
      - run: echo deployed
`;

/**
 * The same pipeline whose deploy is a real deployment: `uses: sluice/deploy` of the sample service
 * (`server.mjs`) to production on the local target, at once (one 100% step), on a free proxy port.
 */
export const deployingPipeline = gatedPipeline.replace(
  "      - run: echo deployed\n",
  `      - uses: sluice/deploy
        with:
          environment: production
          proxy-port: 0
          steps: [{ weight: 100 }]
          release: { command: node server.mjs, health: /healthz }
`,
);
