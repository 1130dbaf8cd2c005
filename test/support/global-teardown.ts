export { globalTeardown as default } from "./global-synth";
