// MQTT Server (manual §8): how the connection to the broker stands (the
// status, every 5 s) and the service's settings.
import { useSite } from "../context";
import { MqttForm } from "./MqttForm";
import { Card, Fact, Facts, StateBadge } from "./parts";

function MqttState() {
  const { tr, status } = useSite();
  if (!status) return null;
  const m = status.mqtt;
  return (
    <Facts>
      <Fact name={tr.t("mqtt.state")}>
        {/* Heard when it changes (after a save); the counter below is not. */}
        <span aria-live="polite">
          <StateBadge state={m.state} tr={tr} />
        </span>
      </Fact>
      {m.error && (
        <Fact name={tr.t("mqtt.error")}>
          {m.error}
        </Fact>
      )}
      <Fact name={tr.t("mqtt.published")}>{tr.t("mqtt.messages", { count: m.published })}</Fact>
    </Facts>
  );
}

export function MqttSection() {
  const { tr } = useSite();
  return (
    <>
      <Card title={tr.t("mqtt.connection")} id="mqtt-connection">
        <MqttState />
      </Card>
      <MqttForm />
    </>
  );
}
