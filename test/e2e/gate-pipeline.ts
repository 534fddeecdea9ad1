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
