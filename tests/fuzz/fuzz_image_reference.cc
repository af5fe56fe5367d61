// Fuzzes ParseImageReference (server/core/image_reference.h) with the whole input as the image.
// Invariants (abort on violation):
// - a parsed reference obeys the documented limits (non-empty domain and path, path <= 255,
//   tag <= 128, digest sha256:<64 hex> or sha512:<128 hex>);
// - Normalized() re-parses, to the same reference (":latest" added when it had neither tag nor
//   digest), and normalizing again changes nothing;
// - a refusal is INVALID_ARGUMENT with a bounded, printable-ASCII message (the image is quoted
//   C-escaped and truncated).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/core/image_reference.h"

namespace {

using ::registry::core::ImageReference;
using ::registry::core::ParseImageReference;

void Check(bool ok, const char* what, std::string_view input) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_image_reference: invariant violated: %s (input %zu bytes)\n", what,
               input.size());
  std::abort();
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ValidDigest(std::string_view digest) {
  if (digest.empty()) return true;
  if (digest.starts_with("sha256:")) return digest.size() == 7 + 64 && IsLowerHex(digest.substr(7));
  if (digest.starts_with("sha512:")) {
    return digest.size() == 7 + 128 && IsLowerHex(digest.substr(7));
  }
  return false;
}

bool PrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<ImageReference> ref = ParseImageReference(input);
  if (!ref.ok()) {
    Check(ref.status().code() == absl::StatusCode::kInvalidArgument,
          "refusal is not INVALID_ARGUMENT", input);
    const std::string_view message(ref.status().message().data(), ref.status().message().size());
    Check(PrintableAscii(message), "error message has unescaped bytes", input);
    Check(message.size() <= 4096, "error message is unbounded", input);
    return 0;
  }
  Check(!ref->domain.empty(), "empty domain", input);
  Check(!ref->path.empty(), "empty path", input);
  Check(ref->path.size() <= registry::core::kMaxImagePathLength, "path too long", input);
  Check(ref->tag.size() <= registry::core::kMaxTagLength, "tag too long", input);
  Check(ValidDigest(ref->digest), "invalid digest accepted", input);
  Check(ref->domain != "index.docker.io", "legacy Docker Hub domain not normalized", input);

  const std::string normalized = ref->Normalized();
  absl::StatusOr<ImageReference> again = ParseImageReference(normalized);
  Check(again.ok(), "Normalized() does not re-parse", input);
  ImageReference expected = *ref;
  if (expected.tag.empty() && expected.digest.empty()) expected.tag = "latest";
  Check(*again == expected, "Normalized() re-parses to a different reference", input);
  Check(again->Normalized() == normalized, "Normalized() is not idempotent", input);
  return 0;
}
