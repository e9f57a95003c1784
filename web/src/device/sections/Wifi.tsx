// Being written: see sections/index.ts.
export function WifiSection() {
  return null;
}
