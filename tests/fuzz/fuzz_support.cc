// Sanitizer defaults linked into every fuzz target: a UBSan report is a finding, so it must
// abort the run (libFuzzer then saves the input) instead of printing and carrying on.
extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:abort_on_error=1:print_stacktrace=1";
}
