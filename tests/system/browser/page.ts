/// <reference lib="dom" />
import { createKnockSteps, type KnockSteps } from './knock-steps';

// The page's whole script: the test drives these steps with `page.evaluate`.
declare global {
  interface Window {
    knockSteps: KnockSteps;
  }
}

window.knockSteps = createKnockSteps();
document.body.dataset.ready = 'true';
