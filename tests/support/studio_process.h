// `shortpack studio` run by a test: started on a free port of 127.0.0.1, its URL read from its
// output (bounded wait), always killed and reaped when the object dies.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace shortpack::test {

class StudioProcess {
 public:
  // Leaves port 0 when the URL did not appear within 20 s (the log then says why). `extra_args`
  // follow `studio CAMPAIGN --port 0` (e.g. --out DIR).
  StudioProcess(const std::filesystem::path& campaign, const std::filesystem::path& log,
                const std::vector<std::string>& extra_args = {});
  ~StudioProcess();
  StudioProcess(const StudioProcess&) = delete;
  StudioProcess& operator=(const StudioProcess&) = delete;

  [[nodiscard]] httplib::Client client() const;
  // GET with the token added to the query.
  [[nodiscard]] httplib::Result get(const std::string& path_and_query) const;
  [[nodiscard]] std::string url() const;

  int port = 0;
  std::string token;

 private:
  pid_t pid_ = -1;
};

}  // namespace shortpack::test
