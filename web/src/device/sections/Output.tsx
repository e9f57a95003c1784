// Being written: see sections/index.ts.
export function OutputSection() {
  return null;
}
