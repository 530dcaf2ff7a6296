// Must NOT compile under strict: `alert` is nullable, so reading its id needs a check first.
// tests/contract/test_clients.py asserts tsc refuses this (the generated types are real types).
import type { components } from "./api.js";

export function alertId(answer: components["schemas"]["ReportResult"]): number {
  return answer.alert.id;
}
