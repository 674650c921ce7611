/**
 * Option values shared by the commands' definitions.
 */
import { InvalidArgumentError } from "commander";

/**
 * Commander's parser for an option's value that refuses another option in its place
 * (`--version --image x`: a forgotten value), which commander would otherwise take as the value.
 */
export function optionValue(value: string): string {
  if (value.startsWith("--")) {
    throw new InvalidArgumentError(`A value is needed, not the option ${value}.`);
  }
  return value;
}
