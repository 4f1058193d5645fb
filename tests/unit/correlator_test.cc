// The correlator: every correlation type, window edges, resets after a hit, late events,
// aliases, chains and the memory bounds.
#include "collector/correlate/correlator.h"

#include <gtest/gtest.h>

namespace soc::collector {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr TimeNs kT0 = 1'764'000'000LL * kSecond;

sigma::CorrelationRule parse_one(const std::string& yaml) {
  auto parsed = sigma::parse_correlation_rules(yaml);
  EXPECT_TRUE(parsed.issues.empty()) << sigma::format_issue(parsed.issues.front());
  EXPECT_EQ(parsed.rules.size(), 1u);
  return parsed.rules.front();
}

class CorrelatorTest : public ::testing::Test {
 protected:
  void make(const std::vector<std::string>& yamls, CorrelatorOptions options = {}) {
    std::vector<sigma::CorrelationRule> rules;
    for (const auto& y : yamls) rules.push_back(parse_one(y));
    const std::map<std::string, std::string> base = {
        {"fail", "fail"},   {"login", "login"}, {"probe", "probe"}, {"id-a", "id-a"},
        {"rule_a", "id-a"}, {"id-b", "id-b"},   {"rule_b", "id-b"}};
    correlator_ = std::make_unique<Correlator>(std::move(rules), base, options, issues_);
  }

  // One observation of `rule` at kT0 + seconds; returns the hits it completed.
  std::vector<CorrelationHit> see(const std::string& rule, double seconds,
                                  std::vector<Field> fields, std::string host = "h1",
                                  std::string stream = "") {
    Event e;
    e.kind = EventKind::kAlert;
    e.time_ns = kT0 + static_cast<TimeNs>(seconds * kSecond);
    e.fields = std::move(fields);
    const std::string ids[] = {rule};
    Observation o;
    o.event = &e;
    o.event_id = ++next_id_;
    o.agency = "agency-1";
    o.host = host;
    o.rule_ids = ids;
    o.stream = stream;
    std::vector<CorrelationHit> hits;
    correlator_->observe(o, hits);
    return hits;
  }

  // A failed login ("fail") of `user` from 10.0.0.9 at kT0 + seconds.
  std::vector<CorrelationHit> failed_login(double seconds, const char* user) {
    return see("fail", seconds,
               {{"source.ip", std::string("10.0.0.9")}, {"user.name", std::string(user)}});
  }

  std::unique_ptr<Correlator> correlator_;
  std::vector<sigma::CompileIssue> issues_;
  std::int64_t next_id_ = 0;
};

const char* kBruteForce = R"(title: brute force
id: bf
name: bruteforce
correlation:
  type: event_count
  rules: [fail]
  group-by: [source.ip]
  timespan: 5m
  condition: {gte: 5}
)";

TEST_F(CorrelatorTest, EventCountFiresAtTheThresholdPerGroupAndStartsOver) {
  make({kBruteForce});
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(see("fail", i, {{"source.ip", std::string("10.0.0.1")}}).empty());
    EXPECT_TRUE(see("fail", i, {{"source.ip", std::string("10.0.0.2")}}).empty());
  }
  auto hits = see("fail", 10, {{"source.ip", std::string("10.0.0.1")}});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].rule->id, "bf");
  EXPECT_EQ(hits[0].group_key, "source.ip=10.0.0.1");
  EXPECT_EQ(hits[0].value, 5);
  EXPECT_EQ(hits[0].first_ns, kT0);
  EXPECT_EQ(hits[0].last_ns, kT0 + 10 * kSecond);
  EXPECT_EQ(hits[0].evidence, (std::vector<std::int64_t>{1, 3, 5, 7, 9}));
  EXPECT_EQ(hits[0].agencies, (std::vector<std::string>{"agency-1"}));
  EXPECT_EQ(hits[0].hosts, (std::vector<std::string>{"h1"}));
  // The group started over: four more are not enough, the fifth is.
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(see("fail", 20 + i, {{"source.ip", std::string("10.0.0.1")}}).empty());
  EXPECT_EQ(see("fail", 30, {{"source.ip", std::string("10.0.0.1")}}).size(), 1u);
  EXPECT_EQ(correlator_->counters().hits, 2u);
}

TEST_F(CorrelatorTest, WindowEdgeIsInclusiveAndOlderEventsFallOut) {
  make({kBruteForce});
  const std::vector<Field> ip = {{"source.ip", std::string("10.0.0.1")}};
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(see("fail", i * 100, ip).empty());  // 0..300 s
  // 5 min after the first: exactly on the edge, still inside.
  EXPECT_EQ(see("fail", 300, ip).size(), 1u);
  make({kBruteForce});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(see("fail", i * 100, ip).empty());
  // 300.5 s after the first: the first fell out, four remain.
  EXPECT_TRUE(see("fail", 300.5, ip).empty());
}

TEST_F(CorrelatorTest, EventsWithoutTheGroupByFieldAreCountedNotGrouped) {
  make({kBruteForce});
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(see("fail", i, {}).empty());
  EXPECT_EQ(correlator_->counters().ungrouped, 10u);
}

const char* kSpraying = R"(title: spraying
correlation:
  type: value_count
  rules: [fail]
  group-by: [source.ip]
  timespan: 10m
  condition: {field: user.name, gte: 3}
)";

TEST_F(CorrelatorTest, ValueCountCountsDistinctValues) {
  make({kSpraying});
  EXPECT_TRUE(failed_login(0, "root").empty());
  EXPECT_TRUE(failed_login(1, "root").empty());
  EXPECT_TRUE(failed_login(2, "admin").empty());
  EXPECT_TRUE(failed_login(3, "admin").empty());
  auto hits = failed_login(4, "oracle");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].value, 3);
  EXPECT_EQ(hits[0].evidence.size(), 5u);
}

// The entry limit drops the oldest observations, and their values stop counting.
TEST_F(CorrelatorTest, ValueCountForgetsTheValuesOfEntriesDroppedAtTheLimit) {
  CorrelatorOptions options;
  options.max_entries = 2;
  make({kSpraying}, options);
  EXPECT_TRUE(failed_login(0, "root").empty());
  EXPECT_TRUE(failed_login(1, "admin").empty());
  EXPECT_TRUE(failed_login(2, "oracle").empty())
      << "root left the window: two distinct users remain";
  EXPECT_TRUE(failed_login(3, "admin").empty());
  EXPECT_EQ(correlator_->counters().entry_limit, 2u);
  make({kSpraying});
  EXPECT_TRUE(failed_login(0, "root").empty());
  EXPECT_TRUE(failed_login(1, "admin").empty());
  EXPECT_EQ(failed_login(2, "oracle").size(), 1u)
      << "without the limit the same three users make a hit";
}

TEST_F(CorrelatorTest, ValueCountOfHostsFallsBackToTheObservationsHost) {
  make({R"(title: same alert on many hosts
correlation:
  type: value_count
  rules: [id-a]
  group-by: [rule.id]
  timespan: 10m
  condition: {field: host.name, gte: 3}
)"});
  const std::vector<Field> f = {{"rule.id", std::string("id-a")}};
  EXPECT_TRUE(see("id-a", 0, f, "web-1").empty());
  EXPECT_TRUE(see("id-a", 1, f, "web-1").empty());
  EXPECT_TRUE(see("id-a", 2, f, "web-2").empty());
  auto hits = see("id-a", 3, f, "db-1");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].hosts, (std::vector<std::string>{"db-1", "web-1", "web-2"}));
}

const char* kTemporal = R"(title: both
correlation:
  type: %s
  rules: [rule_a, rule_b]
  group-by: [user.name]
  timespan: 1m
)";

std::string temporal(const char* type) {
  char buf[256];
  std::snprintf(buf, sizeof buf, kTemporal, type);
  return buf;
}

TEST_F(CorrelatorTest, TemporalNeedsEveryRuleInAnyOrder) {
  make({temporal("temporal")});
  const std::vector<Field> u = {{"user.name", std::string("bob")}};
  EXPECT_TRUE(see("id-b", 0, u).empty());
  EXPECT_TRUE(see("id-b", 1, u).empty());
  EXPECT_EQ(see("id-a", 2, u).size(), 1u);
  // Too far apart: no hit.
  EXPECT_TRUE(see("id-a", 100, u).empty());
  EXPECT_TRUE(see("id-b", 200, u).empty());
}

TEST_F(CorrelatorTest, TemporalOrderedNeedsTheOrder) {
  make({temporal("temporal_ordered")});
  const std::vector<Field> u = {{"user.name", std::string("bob")}};
  EXPECT_TRUE(see("id-b", 0, u).empty());
  EXPECT_TRUE(see("id-a", 1, u).empty());   // b then a: wrong order
  EXPECT_EQ(see("id-b", 2, u).size(), 1u);  // a (1 s) then b (2 s)
}

TEST_F(CorrelatorTest, AliasesJoinDifferentFieldsOfDifferentRules) {
  make({R"(title: aliased
correlation:
  type: temporal
  rules: [rule_a, rule_b]
  group-by: [internal_ip]
  timespan: 10s
  aliases:
    internal_ip:
      rule_a: destination.ip
      rule_b: source.ip
)"});
  EXPECT_TRUE(see("id-a", 0, {{"destination.ip", std::string("10.1.1.1")}}).empty());
  EXPECT_TRUE(see("id-b", 1, {{"source.ip", std::string("10.9.9.9")}}).empty());
  auto hits = see("id-b", 2, {{"source.ip", std::string("10.1.1.1")}});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].group_key, "internal_ip=10.1.1.1");
}

TEST_F(CorrelatorTest, ChainsABruteForceIntoALogin) {
  make({kBruteForce, R"(title: brute force then login
id: bf-login
correlation:
  type: temporal_ordered
  rules: [bruteforce, login]
  group-by: [source.ip]
  timespan: 1h
)"});
  const std::vector<Field> ip = {{"source.ip", std::string("10.0.0.1")}};
  EXPECT_TRUE(see("login", 0, ip).empty());  // a login before the brute force does not count
  for (int i = 1; i < 5; ++i) EXPECT_TRUE(see("fail", i, ip).empty());
  auto hits = see("fail", 5, ip);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].rule->id, "bf");
  hits = see("login", 60, ip);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].rule->id, "bf-login");
  EXPECT_EQ(hits[0].last_ns, kT0 + 60 * kSecond);
}

TEST_F(CorrelatorTest, UnknownReferencesAreReported) {
  make({R"(title: dangling
correlation:
  type: event_count
  rules: [nowhere]
  group-by: [source.ip]
  timespan: 1m
  condition: {gte: 1}
)"});
  ASSERT_EQ(issues_.size(), 1u);
  EXPECT_EQ(issues_[0].reason, "rule 'nowhere' is not in the pack");
  EXPECT_TRUE(correlator_->rules().empty());
}

TEST_F(CorrelatorTest, LateEventsBeyondTheAllowanceAreDroppedAndCounted) {
  CorrelatorOptions options;
  options.lateness_ns = 60 * kSecond;
  make({kBruteForce}, options);
  const std::vector<Field> ip = {{"source.ip", std::string("10.0.0.1")}};
  EXPECT_TRUE(see("fail", 1000, ip).empty());
  EXPECT_TRUE(see("fail", 950, ip).empty());  // 50 s late: accepted, sorted in
  EXPECT_TRUE(see("fail", 900, ip).empty());  // 100 s late: dropped
  EXPECT_EQ(correlator_->counters().late, 1u);
  EXPECT_TRUE(see("fail", 960, ip).empty());
  EXPECT_TRUE(see("fail", 970, ip).empty());
  auto hits = see("fail", 1001, ip);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].first_ns, kT0 + 950 * kSecond);  // in event time order
}

TEST_F(CorrelatorTest, EachStreamIsLateOnlyAgainstItsOwnClock) {
  CorrelatorOptions options;
  options.lateness_ns = 60 * kSecond;
  make({kBruteForce}, options);
  const std::vector<Field> ip = {{"source.ip", std::string("10.0.0.1")}};
  // A live log a day ahead of a replayed capture: the capture's events are not late.
  EXPECT_TRUE(see("fail", 86400, ip, "h1", "agent-a/auth.log").empty());
  const std::vector<Field> other = {{"source.ip", std::string("10.0.0.2")}};
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(see("fail", i, other, "h1", "agent-b/old.pcap").empty());
  EXPECT_EQ(correlator_->counters().late, 0u);
  EXPECT_EQ(see("fail", 5, other, "h1", "agent-b/old.pcap").size(), 1u);
  // Within one stream the allowance holds.
  EXPECT_TRUE(see("fail", 86000, ip, "h1", "agent-a/auth.log").empty());
  EXPECT_EQ(correlator_->counters().late, 1u);
}

TEST_F(CorrelatorTest, GroupsAreBoundedAndExpire) {
  CorrelatorOptions options;
  options.max_groups = 100;
  options.lateness_ns = 0;
  make({kBruteForce}, options);
  for (int i = 0; i < 150; ++i) {
    see("fail", 0,
        {{"source.ip", "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)}});
  }
  EXPECT_EQ(correlator_->open_groups(), 100u);
  EXPECT_EQ(correlator_->counters().group_limit, 50u);
  // An hour later every old window has expired.
  see("fail", 3600, {{"source.ip", std::string("192.0.2.1")}});
  EXPECT_EQ(correlator_->open_groups(), 1u);
  EXPECT_EQ(correlator_->counters().expired_groups, 100u);
}

}  // namespace
}  // namespace soc::collector
