// One exception type for everything native code reports to JavaScript. `code` is one of the
// stable TicketProcessorError codes of the TypeScript API (src/errors.ts).
#pragma once

#include <stdexcept>
#include <string>

namespace tp {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace tp
