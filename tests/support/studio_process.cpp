#include "support/studio_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "support/test_support.h"

namespace shortpack::test {

using Clock = std::chrono::steady_clock;

StudioProcess::StudioProcess(const std::filesystem::path& campaign, const std::filesystem::path& log,
                             const std::vector<std::string>& extra_args) {
  // The argument vector is made before the fork (the child only calls async-signal-safe functions).
  const std::string binary = shortpack_binary();
  std::vector<std::string> args{binary, "studio", campaign.string(), "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  static const std::regex url_line(R"(http://127\.0\.0\.1:([0-9]+)/\?token=([0-9a-f]{32}))");
  while (Clock::now() < deadline) {
    std::smatch m;
    const std::string text = std::filesystem::exists(log) ? read_text(log) : "";
    if (std::regex_search(text, m, url_line)) {
      port = std::stoi(m[1].str());
      token = m[2].str();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

StudioProcess::~StudioProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 40; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

httplib::Client StudioProcess::client() const {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(60);
  return c;
}

httplib::Result StudioProcess::get(const std::string& path_and_query) const {
  auto c = client();
  const char sep = path_and_query.find('?') == std::string::npos ? '?' : '&';
  return c.Get(path_and_query + sep + "token=" + token);
}

std::string StudioProcess::url() const {
  return "http://127.0.0.1:" + std::to_string(port) + "/?token=" + token;
}

}  // namespace shortpack::test
