# tflint configuration for the synthesized stacks (cdktf.out/stacks/*/cdk.tf.json),
# used by the lint action on every pull request into an environment branch.
# The AWS ruleset is pinned: a new ruleset release must not turn a green pull
# request red without a reviewed change to this file. Its
# aws_lambda_function_invalid_runtime rule (on by default, severity error) knows
# only the runtimes of its release: nodejs24.x since 0.44.0. Bumping it means
# refreshing test/fixtures/tflint-ruleset-aws_lambda-runtimes.json
# (the command is inside), which the tests hold the Lambda runtime against.

config {
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
  # No AWS API calls from the linter: lint runs without credentials (fork pull requests too).
  deep_check = false
}

# Generated JSON has no variables or outputs to document and names resources
# by construct path, not by a naming convention.
rule "terraform_documented_variables" {
  enabled = false
}

rule "terraform_documented_outputs" {
  enabled = false
}

rule "terraform_naming_convention" {
  enabled = false
}
