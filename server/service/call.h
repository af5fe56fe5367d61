// Call: who is calling and under which request id — what every use case gets from transport.
#pragma once

#include <string>

#include "server/auth/principal.h"

namespace registry::service {

struct Call {
  // The authenticated caller.
  auth::Principal caller;
  // The caller's `x-request-id`, or one the transport generated; recorded in audit events.
  std::string request_id;
};

}  // namespace registry::service
