// `registryctl admin ...`: key rotation and online rewrap (scope registry.admin).
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/registryctl/commands.h"
#include "client/registryctl/output.h"

namespace registry::ctl {

int RunAdminCommand(const std::string& verb, CommandContext& context) {
  if (verb != "rotate-key" && verb != "rewrap" && verb != "backup") {
    context.io.err << "registryctl: admin needs rotate-key, rewrap or backup (see registryctl --help)\n";
    return 2;
  }
  int batch_size = 0;
  if (auto size = context.args.Option("batch-size");
      size && (!absl::SimpleAtoi(*size, &batch_size) || batch_size <= 0)) {
    context.io.err << "registryctl: --batch-size must be a positive number\n";
    return 2;
  }
  auto clients = context.connect();
  if (!clients.ok()) return ReportError(context.io.err, clients.status());

  if (verb == "backup") {
    auto backup = clients->admin->CreateBackup();
    if (!backup.ok()) return ReportError(context.io.err, backup.status());
    if (context.json_output) return PrintJson(context.io.out, *backup), 0;
    context.io.out << "backup " << backup->backup_id() << " taken (" << backup->size_bytes()
                   << " bytes); restore offline with: registryd restore --from BACKUP_DIR "
                      "--data-dir NEW_DIR --backup-id "
                   << backup->backup_id() << "\n";
    return 0;
  }
  if (verb == "rotate-key") {
    auto rotated = clients->admin->RotateDataKey();
    if (!rotated.ok()) return ReportError(context.io.err, rotated.status());
    if (context.json_output) return PrintJson(context.io.out, *rotated), 0;
    context.io.out << "new writes are sealed under key term " << rotated->term()
                   << "; run `registryctl admin rewrap` to re-seal older values\n";
    return 0;
  }

  uint64_t scanned = 0, rewrapped = 0;
  auto last = clients->admin->RewrapAll(batch_size, [&](const v1::RewrapSecretsResponse& batch) {
    scanned += batch.scanned();
    rewrapped += batch.rewrapped();
    if (!context.json_output) {
      context.io.out << "rewrap: " << scanned << " values examined, " << rewrapped
                     << " re-sealed under term " << batch.current_term() << "\n";
    }
  });
  if (!last.ok()) return ReportError(context.io.err, last.status());
  if (context.json_output) return PrintJson(context.io.out, *last), 0;
  std::vector<std::vector<std::string>> rows;
  for (const auto& [term, count] : last->values_by_term()) {
    rows.push_back({absl::StrCat(term), absl::StrCat(count)});
  }
  context.io.out << "done. stored values per key term:\n";
  PrintTable(context.io.out, {"TERM", "VALUES"}, rows);
  return 0;
}

}  // namespace registry::ctl
