/** A value given to a pipeline (an input, a path, a variable) is missing or wrong; the message names it and what was expected. */
export class InputError extends Error {
  override name = "InputError";
}
