#include "collector/store/incident_store.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace soc::collector {

namespace {

constexpr std::array<std::string_view, 3> kStateNames = {"open", "acknowledged", "closed"};

constexpr const char* kIncidentColumns =
    "SELECT id, rule_id, title, level, origin, group_key, state, hits, first_seen_ns, "
    "last_seen_ns, created_ns, updated_ns, agencies, hosts, state_by, state_note FROM incidents";

std::vector<std::string> list_from_json(const std::string& text) {
  std::vector<std::string> out;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string list_to_json(const std::vector<std::string>& list) {
  return nlohmann::json(list).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The sorted union of two lists (agencies, hosts).
std::vector<std::string> merged(const std::vector<std::string>& a,
                                const std::vector<std::string>& b) {
  std::set<std::string> all(a.begin(), a.end());
  for (const std::string& s : b) {
    if (!s.empty()) all.insert(s);
  }
  return {all.begin(), all.end()};
}

// Folds a later hit on the same rule and group key into `into`: the widest times, the union of
// agencies and hosts, the later hit's level and title. The evidence is left to the caller.
void fold_hit(IncidentHit& into, const IncidentHit& later) {
  into.first_ns = std::min(into.first_ns, later.first_ns);
  into.last_ns = std::max(into.last_ns, later.last_ns);
  into.agencies = merged(into.agencies, later.agencies);
  into.hosts = merged(into.hosts, later.hosts);
  into.level = later.level;
  into.title = later.title;
}

Incident read_incident(const StmtUse& use) {
  Incident i;
  i.id = use.int64(0);
  i.rule_id = use.text(1);
  i.title = use.text(2);
  i.level = use.text(3);
  i.origin = use.text(4);
  i.group_key = use.text(5);
  i.state = parse_incident_state(use.text(6)).value_or(IncidentState::kOpen);
  i.hits = static_cast<std::uint64_t>(use.int64(7));
  i.first_seen_ns = use.int64(8);
  i.last_seen_ns = use.int64(9);
  i.created_ns = use.int64(10);
  i.updated_ns = use.int64(11);
  i.agencies = list_from_json(use.text(12));
  i.hosts = list_from_json(use.text(13));
  i.state_by = use.text(14);
  i.state_note = use.text(15);
  return i;
}

}  // namespace

std::string_view incident_state_name(IncidentState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<IncidentState> parse_incident_state(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<IncidentState>(i);
  }
  if (name == "ack" || name == "acked") return IncidentState::kAcknowledged;
  return std::nullopt;
}

struct IncidentStore::Impl {
  DbHandle db;  // declared first: destroyed after the statements
  StmtHandle find_active;
  StmtHandle insert;
  StmtHandle update_hit;
  StmtHandle add_evidence;
  StmtHandle count_evidence;
  StmtHandle find_by_id;
  StmtHandle list_all;
  StmtHandle list_state;
  StmtHandle evidence;
  StmtHandle set_state;
  StmtHandle add_change;
  StmtHandle changes;

  Result<void> prepare_all();
  Result<std::optional<Incident>> find_id(std::int64_t id);
  Result<std::optional<Incident>> find_not_closed(const std::string& rule_id,
                                                  const std::string& group_key);
  Result<std::optional<Incident>> read_one(StmtUse& use);
  // `count` hits on one incident key, merged into `hit`, inside the caller's transaction.
  Result<Incident> record_one(const IncidentHit& hit, std::uint64_t count, bool& created);
  Result<void> link_evidence(std::int64_t incident_id, const std::vector<std::int64_t>& ids);
  Result<void> log_change(std::int64_t incident_id, TimeNs now, IncidentState state,
                          const std::string& actor, const std::string& note);
};

Result<void> IncidentStore::Impl::prepare_all() {
  const std::string columns = kIncidentColumns;
  const std::pair<StmtHandle*, std::string> statements[] = {
      {&find_active, columns + " WHERE rule_id = ? AND group_key = ? AND state <> 'closed'"},
      {&insert,
       "INSERT INTO incidents(rule_id, title, level, origin, group_key, state, hits, "
       "first_seen_ns, last_seen_ns, created_ns, updated_ns, agencies, hosts) "
       "VALUES(?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)"},
      {&update_hit,
       "UPDATE incidents SET hits = hits + ?, first_seen_ns = ?, last_seen_ns = ?, "
       "updated_ns = ?, agencies = ?, hosts = ?, level = ?, title = ? WHERE id = ?"},
      {&add_evidence,
       "INSERT OR IGNORE INTO incident_evidence(incident_id, event_id) "
       "SELECT ?, id FROM events WHERE id = ?"},
      {&count_evidence, "SELECT COUNT(*) FROM incident_evidence WHERE incident_id = ?"},
      {&find_by_id, columns + " WHERE id = ?"},
      {&list_all, columns + " ORDER BY updated_ns DESC, id DESC LIMIT ?"},
      {&list_state, columns + " WHERE state = ? ORDER BY updated_ns DESC, id DESC LIMIT ?"},
      {&evidence,
       "SELECT e.id, e.time_ns, a.name, e.kind, e.message, e.fields FROM incident_evidence x "
       "JOIN events e ON e.id = x.event_id JOIN agents a ON a.id = e.agent_id "
       "WHERE x.incident_id = ? ORDER BY e.time_ns, e.id LIMIT ?"},
      {&set_state,
       "UPDATE incidents SET state = ?, state_by = ?, state_note = ?, updated_ns = ? "
       "WHERE id = ?"},
      {&add_change,
       "INSERT INTO incident_changes(incident_id, time_ns, state, actor, note) "
       "VALUES(?, ?, ?, ?, ?)"},
      {&changes,
       "SELECT time_ns, state, actor, note FROM incident_changes WHERE incident_id = ? "
       "ORDER BY id"},
  };
  return collector::prepare_all(db.get(), statements);
}

Result<std::optional<Incident>> IncidentStore::Impl::read_one(StmtUse& use) {
  const int rc = use.step();
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) return store_error(db.get(), "read incident");
  return read_incident(use);
}

Result<std::optional<Incident>> IncidentStore::Impl::find_id(std::int64_t id) {
  StmtUse use(find_by_id.get());
  use.bind(1, id);
  return read_one(use);
}

Result<std::optional<Incident>> IncidentStore::Impl::find_not_closed(const std::string& rule_id,
                                                                     const std::string& group_key) {
  StmtUse use(find_active.get());
  use.bind(1, rule_id).bind(2, group_key);
  return read_one(use);
}

Result<void> IncidentStore::Impl::link_evidence(std::int64_t incident_id,
                                                const std::vector<std::int64_t>& ids) {
  std::int64_t have = 0;
  {
    StmtUse use(count_evidence.get());
    use.bind(1, incident_id);
    if (use.step() != SQLITE_ROW) return store_error(db.get(), "count evidence");
    have = use.int64(0);
  }
  for (std::int64_t event_id : ids) {
    if (have >= static_cast<std::int64_t>(kMaxEvidence)) break;
    StmtUse use(add_evidence.get());
    use.bind(1, incident_id).bind(2, event_id);
    if (use.step() != SQLITE_DONE) return store_error(db.get(), "link evidence");
    have += sqlite3_changes(db.get());
  }
  return ok();
}

Result<void> IncidentStore::Impl::log_change(std::int64_t incident_id, TimeNs now,
                                             IncidentState state, const std::string& actor,
                                             const std::string& note) {
  StmtUse use(add_change.get());
  use.bind(1, incident_id)
      .bind(2, now)
      .bind(3, incident_state_name(state))
      .bind(4, actor)
      .bind(5, note);
  if (use.step() != SQLITE_DONE) return store_error(db.get(), "record incident change");
  return ok();
}

IncidentStore::IncidentStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IncidentStore::~IncidentStore() = default;

Result<std::unique_ptr<IncidentStore>> IncidentStore::open(const std::string& path,
                                                           StoreMode mode) {
  auto db = open_sqlite_database(path, mode);
  if (!db) return tl::unexpected(db.error());
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  if (auto prepared = impl->prepare_all(); !prepared) return tl::unexpected(prepared.error());
  return std::unique_ptr<IncidentStore>(new IncidentStore(std::move(impl)));
}

Result<Incident> IncidentStore::record_hit(const IncidentHit& hit, bool* created) {
  std::vector<bool> was_created;
  auto recorded = record_hits(std::span<const IncidentHit>(&hit, 1), &was_created);
  if (!recorded) return tl::unexpected(recorded.error());
  if (created != nullptr) *created = was_created.front();
  return recorded->front();
}

Result<std::vector<Incident>> IncidentStore::record_hits(std::span<const IncidentHit> hits,
                                                         std::vector<bool>* created) {
  Impl& s = *impl_;
  // The hits on one incident key are recorded as one (a busy attacker's hundreds of hits in a
  // group cost one lookup and update, not hundreds): their number, the widest times, the union
  // of agencies and hosts, all their evidence, the last one's level and title.
  struct KeyHits {
    IncidentHit merged;
    std::uint64_t count = 0;
  };
  std::vector<KeyHits> keys;
  std::vector<std::size_t> key_of(hits.size());
  std::map<std::pair<std::string_view, std::string_view>, std::size_t> index;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const IncidentHit& hit = hits[i];
    const auto [at, added] = index.try_emplace({hit.rule_id, hit.group_key}, keys.size());
    key_of[i] = at->second;
    if (added) {
      keys.push_back(KeyHits{hit, 1});
      continue;
    }
    KeyHits& k = keys[at->second];
    ++k.count;
    fold_hit(k.merged, hit);
    k.merged.evidence.insert(k.merged.evidence.end(), hit.evidence.begin(), hit.evidence.end());
  }
  Transaction txn(s.db.get());
  if (txn.begin() != SQLITE_OK) return store_error(s.db.get(), "begin incident");
  std::vector<Incident> recorded;
  std::vector<bool> filed;  // whether the key's incident is new
  recorded.reserve(keys.size());
  for (const KeyHits& k : keys) {
    bool is_new = false;
    auto incident = s.record_one(k.merged, k.count, is_new);
    if (!incident) return tl::unexpected(incident.error());
    recorded.push_back(std::move(*incident));
    filed.push_back(is_new);
  }
  if (txn.commit() != SQLITE_OK) return store_error(s.db.get(), "commit incident");
  std::vector<Incident> out;
  out.reserve(hits.size());
  if (created != nullptr) created->assign(hits.size(), false);
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const std::size_t k = key_of[i];
    out.push_back(recorded[k]);
    if (created != nullptr && filed[k]) {
      (*created)[i] = true;
      filed[k] = false;  // the key's first hit filed it; the others went into it
    }
  }
  return out;
}

Result<Incident> IncidentStore::Impl::record_one(const IncidentHit& hit, std::uint64_t count,
                                                 bool& created) {
  Impl& s = *this;
  auto existing = s.find_not_closed(hit.rule_id, hit.group_key);
  if (!existing) return tl::unexpected(existing.error());
  const TimeNs now = now_ns();
  std::int64_t id = 0;
  if (existing->has_value()) {
    const Incident& i = **existing;
    id = i.id;
    IncidentHit summary;  // what the incident says once the hit is in it
    summary.first_ns = i.first_seen_ns;
    summary.last_ns = i.last_seen_ns;
    summary.agencies = i.agencies;
    summary.hosts = i.hosts;
    fold_hit(summary, hit);
    const std::string agencies = list_to_json(summary.agencies);  // bound, so kept until step
    const std::string hosts = list_to_json(summary.hosts);
    StmtUse use(s.update_hit.get());
    use.bind(1, static_cast<std::int64_t>(count))
        .bind(2, summary.first_ns)
        .bind(3, summary.last_ns)
        .bind(4, now)
        .bind(5, agencies)
        .bind(6, hosts)
        .bind(7, summary.level)
        .bind(8, summary.title)
        .bind(9, id);
    if (use.step() != SQLITE_DONE) return store_error(s.db.get(), "update incident");
  } else {
    const std::string agencies = list_to_json(merged({}, hit.agencies));
    const std::string hosts = list_to_json(merged({}, hit.hosts));
    StmtUse use(s.insert.get());
    use.bind(1, hit.rule_id)
        .bind(2, hit.title)
        .bind(3, hit.level)
        .bind(4, hit.origin)
        .bind(5, hit.group_key)
        .bind(6, static_cast<std::int64_t>(count))
        .bind(7, hit.first_ns)
        .bind(8, hit.last_ns)
        .bind(9, now)
        .bind(10, now)
        .bind(11, agencies)
        .bind(12, hosts);
    if (use.step() != SQLITE_DONE) return store_error(s.db.get(), "insert incident");
    id = sqlite3_last_insert_rowid(s.db.get());
    if (auto logged = s.log_change(id, now, IncidentState::kOpen, "correlator", hit.origin);
        !logged) {
      return tl::unexpected(logged.error());
    }
  }
  if (auto linked = s.link_evidence(id, hit.evidence); !linked) {
    return tl::unexpected(linked.error());
  }
  auto result = s.find_id(id);
  if (!result) return tl::unexpected(result.error());
  created = !existing->has_value();
  return **result;
}

Result<std::vector<Incident>> IncidentStore::list(const IncidentFilter& filter) {
  Impl& s = *impl_;
  sqlite3_stmt* stmt = filter.state ? s.list_state.get() : s.list_all.get();
  StmtUse use(stmt);
  const auto limit = static_cast<std::int64_t>(std::min<std::size_t>(filter.limit, 1'000'000));
  if (filter.state) {
    use.bind(1, incident_state_name(*filter.state)).bind(2, limit);
  } else {
    use.bind(1, limit);
  }
  std::vector<Incident> out;
  int rc = 0;
  while ((rc = use.step()) == SQLITE_ROW) out.push_back(read_incident(use));
  if (rc != SQLITE_DONE) return store_error(s.db.get(), "list incidents");
  return out;
}

Result<std::optional<Incident>> IncidentStore::find(std::int64_t id) { return impl_->find_id(id); }

Result<std::vector<EvidenceEvent>> IncidentStore::evidence(std::int64_t id, std::size_t limit) {
  Impl& s = *impl_;
  StmtUse use(s.evidence.get());
  use.bind(1, id).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, kMaxEvidence)));
  std::vector<EvidenceEvent> out;
  int rc = 0;
  while ((rc = use.step()) == SQLITE_ROW) {
    out.push_back(EvidenceEvent{use.int64(0), use.int64(1), use.text(2), use.text(3), use.text(4),
                                use.text(5)});
  }
  if (rc != SQLITE_DONE) return store_error(s.db.get(), "read evidence");
  return out;
}

Result<std::vector<IncidentChange>> IncidentStore::changes(std::int64_t id) {
  Impl& s = *impl_;
  StmtUse use(s.changes.get());
  use.bind(1, id);
  std::vector<IncidentChange> out;
  int rc = 0;
  while ((rc = use.step()) == SQLITE_ROW) {
    out.push_back(IncidentChange{use.int64(0),
                                 parse_incident_state(use.text(1)).value_or(IncidentState::kOpen),
                                 use.text(2), use.text(3)});
  }
  if (rc != SQLITE_DONE) return store_error(s.db.get(), "read incident changes");
  return out;
}

Result<Incident> IncidentStore::change_state(std::int64_t id, IncidentState to,
                                             const std::string& actor, const std::string& note) {
  Impl& s = *impl_;
  Transaction txn(s.db.get());
  if (txn.begin() != SQLITE_OK) return store_error(s.db.get(), "begin incident change");
  auto current = s.find_id(id);
  if (!current) return tl::unexpected(current.error());
  if (!current->has_value()) {
    return fail(ErrorCode::kNotFound, "no incident " + std::to_string(id));
  }
  const IncidentState from = (*current)->state;
  if (from == to) {
    return fail(ErrorCode::kConflict, "incident " + std::to_string(id) + " is already " +
                                          std::string(incident_state_name(to)));
  }
  if (from == IncidentState::kClosed || to == IncidentState::kOpen) {
    return fail(ErrorCode::kConflict,
                "incident " + std::to_string(id) + " is " + std::string(incident_state_name(from)) +
                    "; it cannot become " + std::string(incident_state_name(to)));
  }
  const TimeNs now = now_ns();
  {
    StmtUse use(s.set_state.get());
    use.bind(1, incident_state_name(to)).bind(2, actor).bind(3, note).bind(4, now).bind(5, id);
    if (use.step() != SQLITE_DONE) return store_error(s.db.get(), "change incident state");
  }
  if (auto logged = s.log_change(id, now, to, actor, note); !logged) {
    return tl::unexpected(logged.error());
  }
  auto result = s.find_id(id);
  if (!result) return tl::unexpected(result.error());
  if (txn.commit() != SQLITE_OK) return store_error(s.db.get(), "commit incident change");
  return **result;
}

}  // namespace soc::collector
