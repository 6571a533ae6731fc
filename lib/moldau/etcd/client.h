#pragma once
// An etcd v3 client over etcd's JSON gateway (POST /v3/...), driven by libcurl on a worker
// thread of its own, so that no call ever blocks the caller's event loop. See docs/etcd.md.
//
// Each call exists in two forms:
//  - blocking: `Result<TxnResponse> r = client.txn(request);` waits on the calling thread. For
//    start-up code, tools and tests; never call it on an event loop thread that must stay live.
//  - asynchronous, with an Asio completion token and the signature void(Result<T>):
//      Result<TxnResponse> r = co_await client.txn(request, asio::use_awaitable);
//      client.txn(request, asio::bind_executor(strand, [](Result<TxnResponse> r) {...}));
//    (`request` a named variable: see the note on g++ 12 below.)
//    The completion is posted to the handler's associated executor (the coroutine's own for
//    use_awaitable; bind one for a plain callback, or it runs on asio's system executor), and
//    keeps that executor's work count up until then, so io_context::run() does not return
//    while a call is pending.
//
// Every call ends within options().timeout, trying the configured endpoints in turn (see
// ClientOptions). Failures are Status codes from moldau/etcd/errors.h.
//
// Thread-safety: every member may be called from any thread, concurrently. Lifetime: a
// pending call holds work on its executor; the Client must not outlive an io_context that
// still has calls of it pending (close() it first). Destroying or close()-ing the Client
// completes every call still pending with kClosed, posted to its executor as usual. A
// LeaseKeeper or Watch must be stopped (or destroyed) before the io_context of its executor
// goes; the Client may outlive them, and they may outlive the Client (they then do nothing).

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>

#include <concepts>
#include <functional>
#include <memory>
#include <type_traits>

#include "moldau/common/result.h"
#include "moldau/etcd/errors.h"
#include "moldau/etcd/options.h"
#include "moldau/etcd/types.h"

namespace moldau::etcd {

namespace detail {
class ClientCore;

template <class T>
using Callback = std::function<void(Result<T>)>;

template <class R, class Request>
concept RequestOf = std::same_as<std::remove_cvref_t<R>, Request>;

// Turns an Asio completion handler into a Callback that may be called on any thread: it posts
// the result to the handler's associated executor, tracked as outstanding work until then.
template <class T, class Handler>
Callback<T> post_to_handler(Handler handler) {
  auto tracked = asio::prefer(asio::get_associated_executor(handler),
                              asio::execution::outstanding_work.tracked);
  struct Pending {
    Handler handler;
    decltype(tracked) executor;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(handler), std::move(tracked)});
  return [pending](Result<T> result) {
    auto executor = pending->executor;
    asio::post(executor, [pending, result = std::move(result)]() mutable {
      std::move(pending->handler)(std::move(result));
    });
  };
}
}  // namespace detail

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();  // close()
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Stops the worker thread; see the lifetime note above. Idempotent.
  void close();

  const ClientOptions& options() const;

  // Blocking calls.
  Result<RangeResponse> range(const RangeRequest& request);
  Result<PutResponse> put(const PutRequest& request);
  Result<DeleteRangeResponse> delete_range(const DeleteRangeRequest& request);
  Result<TxnResponse> txn(const TxnRequest& request);
  Result<CompactionResponse> compact(const CompactionRequest& request);
  Result<LeaseGrantResponse> lease_grant(const LeaseGrantRequest& request);
  // Fails with kLeaseNotFound when the lease is already gone.
  Result<LeaseRevokeResponse> lease_revoke(const LeaseRevokeRequest& request);
  Result<LeaseTimeToLiveResponse> lease_time_to_live(const LeaseTimeToLiveRequest& request);
  Result<MemberStatusResponse> member_status(const MemberStatusRequest& request = {});

  // Asynchronous calls: the same, completing through `token` with void(Result<T>).
  //
  // The request is a deduced parameter on purpose: g++ 12 miscompiles an aggregate temporary
  // inside a co_await expression (it frees it twice), so `co_await client.range({.key = k},
  // asio::use_awaitable)` must not compile. Build the request in a variable, or take it from a
  // function such as RangeRequest::with_prefix, and pass that; RangeRequest{.key = k} written
  // inside the co_await expression has the same problem and compiles, so avoid it too.
  template <detail::RequestOf<RangeRequest> R, class Token>
  auto range(R&& request, Token&& token) {
    return initiate<RangeResponse, RangeRequest>(std::forward<R>(request),
                                               std::forward<Token>(token));
  }
  template <detail::RequestOf<PutRequest> R, class Token>
  auto put(R&& request, Token&& token) {
    return initiate<PutResponse, PutRequest>(std::forward<R>(request),
                                           std::forward<Token>(token));
  }
  template <detail::RequestOf<DeleteRangeRequest> R, class Token>
  auto delete_range(R&& request, Token&& token) {
    return initiate<DeleteRangeResponse, DeleteRangeRequest>(std::forward<R>(request),
                                                           std::forward<Token>(token));
  }
  template <detail::RequestOf<TxnRequest> R, class Token>
  auto txn(R&& request, Token&& token) {
    return initiate<TxnResponse, TxnRequest>(std::forward<R>(request),
                                           std::forward<Token>(token));
  }
  template <detail::RequestOf<CompactionRequest> R, class Token>
  auto compact(R&& request, Token&& token) {
    return initiate<CompactionResponse, CompactionRequest>(std::forward<R>(request),
                                                         std::forward<Token>(token));
  }
  template <detail::RequestOf<LeaseGrantRequest> R, class Token>
  auto lease_grant(R&& request, Token&& token) {
    return initiate<LeaseGrantResponse, LeaseGrantRequest>(std::forward<R>(request),
                                                         std::forward<Token>(token));
  }
  template <detail::RequestOf<LeaseRevokeRequest> R, class Token>
  auto lease_revoke(R&& request, Token&& token) {
    return initiate<LeaseRevokeResponse, LeaseRevokeRequest>(std::forward<R>(request),
                                                           std::forward<Token>(token));
  }
  template <detail::RequestOf<LeaseTimeToLiveRequest> R, class Token>
  auto lease_time_to_live(R&& request, Token&& token) {
    return initiate<LeaseTimeToLiveResponse, LeaseTimeToLiveRequest>(std::forward<R>(request),
                                                                   std::forward<Token>(token));
  }
  template <detail::RequestOf<MemberStatusRequest> R, class Token>
  auto member_status(R&& request, Token&& token) {
    return initiate<MemberStatusResponse, MemberStatusRequest>(std::forward<R>(request),
                                                             std::forward<Token>(token));
  }

 private:
  friend class LeaseKeeper;
  friend class Watch;

  template <class Response, class Request, class Token>
  auto initiate(Request request, Token&& token) {
    return asio::async_initiate<Token, void(Result<Response>)>(
        [this](auto handler, Request request) {
          start(request, detail::post_to_handler<Response>(std::move(handler)));
        },
        token, std::move(request));
  }

  // Start a call; `done` runs exactly once, on the worker thread (or with kClosed).
  void start(const RangeRequest& r, detail::Callback<RangeResponse> done);
  void start(const PutRequest& r, detail::Callback<PutResponse> done);
  void start(const DeleteRangeRequest& r, detail::Callback<DeleteRangeResponse> done);
  void start(const TxnRequest& r, detail::Callback<TxnResponse> done);
  void start(const CompactionRequest& r, detail::Callback<CompactionResponse> done);
  void start(const LeaseGrantRequest& r, detail::Callback<LeaseGrantResponse> done);
  void start(const LeaseRevokeRequest& r, detail::Callback<LeaseRevokeResponse> done);
  void start(const LeaseTimeToLiveRequest& r, detail::Callback<LeaseTimeToLiveResponse> done);
  void start(const MemberStatusRequest& r, detail::Callback<MemberStatusResponse> done);

  std::shared_ptr<detail::ClientCore> core_;
};

}  // namespace moldau::etcd
