// LogSourceRouter: the log source each decoded event is routed as, for interleaved events of
// every family (the router remembers the previous event's shape, so a change of shape between
// two events must be seen), and a pack's routing table.
#include "agent/logsource.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace soc::agent {
namespace {

Event syslog_event(const std::string& program) {
  Event e;
  append_string(e.fields, "host.hostname", "web1");
  append_string(e.fields, "process.name", program);
  append_string(e.fields, "log.syslog.message", "hello");
  return e;
}

Event web_event() {
  Event e;
  append_string(e.fields, "http.request.method", "GET");
  append_string(e.fields, "url.original", "/index.html");
  return e;
}

Event audit_event(bool execve) {
  Event e;
  append_int(e.fields, "auditd.sequence", 42);
  append_field<StringList>(e.fields, "auditd.message_types",
                           execve ? StringList{"SYSCALL", "EXECVE"} : StringList{"USER_LOGIN"});
  return e;
}

using Strings = std::vector<std::string>;

TEST(LogSourceRouter, EachEventIsRoutedByItsOwnShapeWhateverCameBefore) {
  LogSourceRouter router({"", {"custom"}, {}});
  const Event sshd = syslog_event("sshd");
  const Event sudo = syslog_event("SUDO");
  const Event web = web_event();
  const Event exec = audit_event(true);
  const Event login = audit_event(false);
  const Event plain;
  for (int round = 0; round < 2; ++round) {  // the second round meets every shape cached
    for (const Event* e : {&sshd, &sshd, &sudo, &sshd, &web, &exec, &login, &plain, &sshd}) {
      const sigma::LogSource& ls = router.route(*e);
      EXPECT_EQ(ls.product, "linux");
      if (e == &sshd) {
        EXPECT_EQ(ls.categories, Strings{"custom"});
        EXPECT_EQ(ls.services, (Strings{"syslog", "auth", "sshd"}));
      } else if (e == &sudo) {
        EXPECT_EQ(ls.services, (Strings{"syslog", "auth", "sudo"}));  // lower case
      } else if (e == &web) {
        EXPECT_EQ(ls.categories, (Strings{"custom", "webserver"}));
        EXPECT_TRUE(ls.services.empty());
      } else if (e == &exec) {
        EXPECT_EQ(ls.categories, (Strings{"custom", "process_creation"}));
        EXPECT_EQ(ls.services, Strings{"auditd"});
      } else if (e == &login) {
        EXPECT_EQ(ls.categories, Strings{"custom"});
        EXPECT_EQ(ls.services, Strings{"auditd"});
      } else {
        EXPECT_EQ(ls.categories, Strings{"custom"});
        EXPECT_TRUE(ls.services.empty());
      }
    }
  }
}

TEST(LogSourceRouter, SshdVariantsRouteAsSshdAndPackRoutingAddsServices) {
  LogSourceRouter router({});
  EXPECT_EQ(router.route(syslog_event("sshd-session")).services,
            (Strings{"syslog", "auth", "sshd"}));
  const std::vector<pack::RoutingEntry> routing{{"vsftpd", "ftp"}};
  EXPECT_EQ(router.route(syslog_event("vsftpd")).services, (Strings{"syslog", "auth", "vsftpd"}));
  router.set_routing(&routing);  // a new table: the same shape now gets the service
  EXPECT_EQ(router.route(syslog_event("vsftpd")).services,
            (Strings{"syslog", "auth", "ftp", "vsftpd"}));
  router.set_routing(nullptr);
  EXPECT_EQ(router.route(syslog_event("vsftpd")).services, (Strings{"syslog", "auth", "vsftpd"}));
}

}  // namespace
}  // namespace soc::agent
