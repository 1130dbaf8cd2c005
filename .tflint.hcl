# tflint configuration for the synthesized stacks (cdktf.out/stacks/*/cdk.tf.json),
# used by the lint action on every pull request into an environment branch.
# The AWS ruleset is pinned: a new ruleset release must not turn a green pull
# request red without a reviewed change to this file.

config {
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.34.0"
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
