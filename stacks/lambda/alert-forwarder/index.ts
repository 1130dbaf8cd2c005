// Lambda entry: reads the environment, creates the SNS client once per cold start, and delegates.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { createLogger } from "../shared/logger";
import { alertForwarderConfigFromEnv, createAlertForwarderHandler } from "./alert-forwarder";

const sns = new SNSClient({});

export const handler = createAlertForwarderHandler({
  publisher: { publish: (input) => sns.send(new PublishCommand(input)) },
  config: alertForwarderConfigFromEnv(process.env),
  logger: createLogger({ fields: { function: "alert-forwarder" } }),
});
