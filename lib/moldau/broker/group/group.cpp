#include "moldau/broker/group/group.h"

#include <algorithm>
#include <cctype>

#include "moldau/protocol/consumer_protocol.h"

namespace moldau::broker::group {

const char* state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty: return "Empty";
    case GroupState::kPreparingRebalance: return "PreparingRebalance";
    case GroupState::kCompletingRebalance: return "CompletingRebalance";
    case GroupState::kStable: return "Stable";
    case GroupState::kDead: return "Dead";
  }
  return "Unknown";
}

std::optional<GroupState> parse_state(std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  std::string n = lower(name);
  for (auto s : {GroupState::kEmpty, GroupState::kPreparingRebalance,
                 GroupState::kCompletingRebalance, GroupState::kStable, GroupState::kDead})
    if (lower(state_name(s)) == n) return s;
  return std::nullopt;
}

int32_t java_string_hash(std::string_view s) {
  uint32_t h = 0;
  auto add = [&](uint32_t unit) { h = 31 * h + unit; };
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    unsigned char c = p[i];
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    } else {
      add(0xFFFD);
      ++i;
      continue;
    }
    bool bad = i + len > s.size();
    for (size_t k = 1; !bad && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) bad = true;
      else cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (bad) {
      add(0xFFFD);
      ++i;
      continue;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
  }
  return static_cast<int32_t>(h);
}

int32_t partition_for(std::string_view group_id, int32_t num_partitions) {
  int32_t h = java_string_hash(group_id);
  // Kafka's Utils.abs: MIN_VALUE maps to 0.
  int32_t a = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
  return num_partitions > 0 ? a % num_partitions : 0;
}

const Bytes* Member::metadata_for(std::string_view protocol) const {
  for (const auto& p : protocols)
    if (p.name == protocol) return &p.metadata;
  return nullptr;
}

std::string Member::vote(const std::set<std::string>& candidates) const {
  for (const auto& p : protocols)
    if (candidates.contains(p.name)) return p.name;
  return {};
}

Member* Group::get(const std::string& member_id) {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

Member& Group::add(Member member) {
  if (members_.empty()) protocol_type = member.protocol_type;
  if (leader.empty()) leader = member.id;
  if (member.instance_id) static_members_[*member.instance_id] = member.id;
  std::string id = member.id;
  auto [it, _] = members_.insert_or_assign(id, std::move(member));
  return it->second;
}

void Group::remove(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  if (it->second.instance_id) {
    auto s = static_members_.find(*it->second.instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  if (it->second.heartbeat_timer) it->second.heartbeat_timer->cancel();
  members_.erase(it);
  if (leader == member_id) leader = members_.empty() ? std::string() : members_.begin()->first;
}

Member& Group::replace_static_member(const std::string& instance_id, const std::string& old_id,
                                     const std::string& new_id) {
  auto node = members_.extract(old_id);
  node.key() = new_id;
  node.mapped().id = new_id;
  auto it = members_.insert(std::move(node)).position;
  static_members_[instance_id] = new_id;
  if (leader == old_id) leader = new_id;
  return it->second;
}

std::optional<std::string> Group::static_member(const std::string& instance_id) const {
  auto it = static_members_.find(instance_id);
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

bool Group::supports_protocols(const std::string& type, const std::vector<Protocol>& protocols) const {
  if (members_.empty()) return !type.empty() && !protocols.empty();
  if (!protocol_type || *protocol_type != type) return false;
  for (const auto& p : protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& m) {
      return m.second.metadata_for(p.name) != nullptr;
    });
    if (everyone) return true;
  }
  return false;
}

std::string Group::select_protocol() const {
  if (members_.empty()) return {};
  std::set<std::string> candidates;
  for (const auto& p : members_.begin()->second.protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& m) {
      return m.second.metadata_for(p.name) != nullptr;
    });
    if (everyone) candidates.insert(p.name);
  }
  if (candidates.empty()) return {};
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members_) ++votes[m.vote(candidates)];
  // Ties go to the leader's preference (the order of its list), then to the name.
  const Member* lead = nullptr;
  if (auto it = members_.find(leader); it != members_.end()) lead = &it->second;
  auto rank = [&](const std::string& name) {
    if (lead)
      for (size_t i = 0; i < lead->protocols.size(); ++i)
        if (lead->protocols[i].name == name) return i;
    return static_cast<size_t>(-1);
  };
  std::string best;
  int best_votes = -1;
  for (const auto& [name, n] : votes) {
    if (n > best_votes || (n == best_votes && rank(name) < rank(best))) {
      best = name;
      best_votes = n;
    }
  }
  return best;
}

std::vector<std::string> Group::remove_members_not_rejoined() {
  std::vector<std::string> missing;
  for (const auto& [id, m] : members_)
    if (!m.awaiting_join()) missing.push_back(id);
  for (const auto& id : missing) remove(id);
  return missing;
}

int Group::num_awaiting_join() const {
  int n = 0;
  for (const auto& [id, m] : members_)
    if (m.awaiting_join()) ++n;
  return n;
}

int32_t Group::max_rebalance_timeout_ms() const {
  int32_t t = 0;
  for (const auto& [id, m] : members_) t = std::max(t, m.rebalance_timeout_ms);
  return t;
}

std::optional<std::set<std::string>> Group::subscribed_topics() const {
  if (!protocol_type || *protocol_type != protocol::kConsumerProtocolType || !protocol)
    return std::nullopt;
  std::set<std::string> topics;
  for (const auto& [id, m] : members_) {
    const Bytes* md = m.metadata_for(*protocol);
    if (!md) return std::nullopt;
    auto sub = protocol::decode_consumer_protocol<protocol::ConsumerProtocolSubscription>(*md);
    if (!sub.ok()) return std::nullopt;
    topics.insert(sub->topics.begin(), sub->topics.end());
  }
  return topics;
}

}  // namespace moldau::broker::group
