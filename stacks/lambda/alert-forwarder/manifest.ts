import type { FunctionManifest } from "../function-manifest";

export const manifest: FunctionManifest = {
  name: "alert-forwarder",
  description: "CloudWatch Logs subscription target: publishes ERROR lines and unhandled exceptions to the alerts topic",
  memorySize: 256,
  timeout: 30,
  inVpc: true,
  environment: {
    ALERTS_TOPIC_ARN: { resource: "alertsTopic", attribute: "arn" },
  },
  access: [{ resource: "alertsTopic", level: "publish" }],
  trigger: { kind: "logSubscription" },
};
