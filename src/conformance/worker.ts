// The conformance build's entry: the production Worker (src/index.ts) with the conformance suite's fixture tools,
// resources and prompts added. `npm run conformance`, the e2e tests and the in-workerd tests run this entry; a
// deploy runs src/index.ts, whose bundle holds no fixture (test/node/production-bundle.test.ts checks it).
// Imports are evaluated in order: the fixtures are registered before the Worker serves anything.
import "./install.ts";

export { default, TaskWorkflow } from "../index.ts";
