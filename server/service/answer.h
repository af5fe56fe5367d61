// Answer<Response>: how an asynchronous use case hands back a response that may be released only
// once a durable write (its audit events, its change) completes. It comes in two steps, so the
// response is encoded, wiped and freed on the thread that built it while the write is in flight,
// instead of on the thread that reports the write (one thread for every call, and memory freed
// far from where it was allocated):
//   - prepare(response): at most once, before finish, on the thread that built the response.
//     The receiver takes what it needs (a transport serializes it); the use case wipes and frees
//     the response afterwards, so the receiver must not keep references into it.
//   - finish(status): exactly once, from any thread, after prepare if at all. OK releases the
//     prepared response (it was prepared); an error discards it (prepared or not).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace registry::service {

// The error of a call whose use case finished OK without preparing an answer (a bug).
inline absl::Status NoAnswerError() {
  return absl::InternalError("the call finished without an answer");
}

template <typename Response>
struct Answer {
  std::function<void(Response&)> prepare;
  std::function<void(absl::Status)> finish;

  // An Answer that keeps the prepared response and hands `done` the outcome as one value (the
  // blocking forms, tests). On an error the kept response (if any) is wiped with `wipe` first.
  static Answer Collect(std::function<void(absl::StatusOr<Response>)> done,
                        std::function<void(Response&)> wipe = {}) {
    auto kept = std::make_shared<std::optional<Response>>();
    return Answer{[kept](Response& response) { kept->emplace(std::move(response)); },
                  [kept, done = std::move(done), wipe = std::move(wipe)](absl::Status status) {
                    if (status.ok() && !kept->has_value()) status = NoAnswerError();
                    if (!status.ok()) {
                      if (kept->has_value() && wipe) wipe(**kept);
                      done(std::move(status));
                      return;
                    }
                    done(std::move(**kept));
                  }};
  }
};

}  // namespace registry::service
