import { iteration, vu } from '../vu-context.js';

/** k6/execution: where the running iteration is. */
const exec = {
  vu: {
    get idInTest() {
      return vu.vuId;
    },
    get iterationInScenario() {
      return iteration.inScenario;
    },
  },
  scenario: {
    get name() {
      return vu.scenario;
    },
    get iterationInTest() {
      return iteration.inTestForScenario;
    },
  },
};

export default exec;
