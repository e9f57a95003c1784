// Being written: see sections/index.ts.
export function ConditionsSection() {
  return null;
}
