// Being written: see sections/index.ts.
export function MqttSection() {
  return null;
}
