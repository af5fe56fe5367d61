// Minimal structured logging to stderr for the server binary. Callers must never pass secrets
// or bearer tokens.
#pragma once

#include <string_view>

namespace registry::app {

enum class LogLevel { kInfo, kWarning, kError };

// Writes one line `<RFC 3339 UTC time> <LEVEL> registryd: <message>` to stderr. Thread-safe.
void Log(LogLevel level, std::string_view message);

}  // namespace registry::app
