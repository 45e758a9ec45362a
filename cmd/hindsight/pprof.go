package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/server"
)

// pprofHandler serves net/http/pprof's pages under /debug/pprof/. It is only
// ever served on the listener of --pprof, never on the public one.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// checkPprofAddr refuses a --pprof address that is not host:port on a
// loopback address (127.0.0.0/8, ::1, localhost), unless remote is set
// (--pprof-allow-remote: profiles and the command line show the server's
// internals to whoever can connect), or that is the public --addr.
func checkPprofAddr(addr, public string, remote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return hindsight.Errorf(hindsight.EInvalid, "--pprof %q: want host:port, e.g. 127.0.0.1:6060", addr)
	}
	if addr == public && port != "0" {
		return hindsight.Errorf(hindsight.EInvalid, "--pprof %q: the profiler never shares the public address (--addr); pick another port, e.g. 127.0.0.1:6060", addr)
	}
	if remote {
		return nil
	}
	loopback := strings.EqualFold(host, "localhost")
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if !loopback {
		return hindsight.Errorf(hindsight.EInvalid, "--pprof %q: not a loopback address; the profiler shows the server's memory and command line to whoever connects, so it listens on 127.0.0.1 or ::1 only (e.g. 127.0.0.1:6060; reach it with ssh -L), unless --pprof-allow-remote is given too", addr)
	}
	return nil
}

// startPprof listens on addr and serves the profiler until ctx is done. It
// has no write timeout: a CPU profile or a trace takes the seconds asked for.
func startPprof(ctx context.Context, addr string, logger *slog.Logger) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "--pprof %s: %v", addr, err)
	}
	srv := &http.Server{Handler: pprofHandler(), ReadHeaderTimeout: server.ReadHeaderTimeout, IdleTimeout: server.IdleTimeout,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("pprof listener stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
	}()
	return ln.Addr(), nil
}
