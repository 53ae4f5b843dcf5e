// Progressive enhancement only: every page works without this file.
import { initAll } from '../vendor/nhsuk-frontend.min.js';

initAll();
