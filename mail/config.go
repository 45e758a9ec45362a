package mail

import (
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	gomail "github.com/wneessen/go-mail"
)

// Config configures the mailer. Zero durations take the defaults.
type Config struct {
	// SMTPURL is where mail goes (HINDSIGHT_SMTP_URL), see ParseSMTPURL.
	// Empty turns mail off: events are read and passed over, nothing is
	// queued or sent.
	SMTPURL string
	// From is the sender address (HINDSIGHT_MAIL_FROM), e.g.
	// "Hindsight <hindsight@example.com>"; required with SMTPURL.
	From string
	// BaseURL is the public URL links in messages start with (serve's
	// --base-url, HINDSIGHT_BASE_URL); required with SMTPURL.
	BaseURL string
	// DigestHour is the hour of the day (UTC, 0-23) daily digests are sent
	// at (HINDSIGHT_MAIL_DIGEST_HOUR; ConfigFromEnv defaults it to 8).
	DigestHour int
	// RetryFor bounds the retries of a message (default 24h).
	RetryFor time.Duration
	// BaseDelay is the first retry's delay, doubled on each attempt up to
	// MaxDelay (defaults 30s and 1h); each delay is jittered to between
	// half and all of it.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Poll is how often the worker looks for events and due messages
	// (default 1s).
	Poll time.Duration
	// Timeout bounds one SMTP conversation (default 30s).
	Timeout time.Duration
	// Lease is how long claimed messages are kept from other senders
	// (default 5 minutes; more than Batch conversations).
	Lease time.Duration
	// Batch is how many messages one claim takes (default 10).
	Batch int
	// Keep is how long messages done (sent, failed, dropped) are kept
	// before the worker removes them (default 30 days; checked hourly).
	Keep time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives the worker's log lines (slog.Default() when nil).
	Logger *slog.Logger
}

// DefaultDigestHour is the UTC hour of the daily digest.
const DefaultDigestHour = 8

// ConfigFromEnv reads HINDSIGHT_SMTP_URL, HINDSIGHT_MAIL_FROM and
// HINDSIGHT_MAIL_DIGEST_HOUR (getenv is os.Getenv when nil).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{
		SMTPURL:    strings.TrimSpace(getenv("HINDSIGHT_SMTP_URL")),
		From:       strings.TrimSpace(getenv("HINDSIGHT_MAIL_FROM")),
		DigestHour: DefaultDigestHour,
	}
	if s := strings.TrimSpace(getenv("HINDSIGHT_MAIL_DIGEST_HOUR")); s != "" {
		h, err := strconv.Atoi(s)
		if err != nil || h < 0 || h > 23 {
			return Config{}, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_MAIL_DIGEST_HOUR: %q is not an hour from 0 to 23 (UTC)", s)
		}
		c.DigestHour = h
	}
	return c, nil
}

// smtpSettings is a parsed SMTP URL.
type smtpSettings struct {
	host     string
	port     int
	ssl      bool
	tls      gomail.TLSPolicy
	user     string
	password string
}

// redactURL hides the password of an SMTP URL for error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "(an SMTP URL with credentials)"
		}
		return raw
	}
	return u.Redacted()
}

// ParseSMTPURL reads an SMTP URL:
//
//	smtp://[user:password@]host[:port][?starttls=1|0]
//	smtps://[user:password@]host[:port]
//
// smtp:// defaults to port 25 and uses STARTTLS when the server offers it;
// starttls=1 requires it (the conversation fails without it) and
// starttls=0 never uses it. smtps:// is TLS from the first byte (port 465
// by default). With a user the client signs in (the best mechanism the
// server offers); without one it does not.
func ParseSMTPURL(raw string) (smtpSettings, error) {
	var s smtpSettings
	bad := func(format string, args ...any) (smtpSettings, error) {
		return smtpSettings{}, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_SMTP_URL %s: "+format, append([]any{redactURL(raw)}, args...)...)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL (want smtp://user:password@host:587?starttls=1)")
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		s.port, s.tls = 25, gomail.TLSOpportunistic
	case "smtps":
		s.port, s.ssl, s.tls = 465, true, gomail.TLSMandatory
	default:
		return bad("the scheme must be smtp or smtps")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return bad("names no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("port %q is not a port number", p)
		}
		s.port = n
	}
	if u.Path != "" && u.Path != "/" {
		return bad("an SMTP URL has no path (%q)", u.Path)
	}
	for k, vs := range u.Query() {
		switch k {
		case "starttls":
			if s.ssl {
				return bad("starttls is for smtp://, smtps:// is TLS already")
			}
			switch strings.ToLower(vs[len(vs)-1]) {
			case "1", "true", "yes":
				s.tls = gomail.TLSMandatory
			case "0", "false", "no":
				s.tls = gomail.NoTLS
			default:
				return bad("starttls=%q: want 1 or 0", vs[len(vs)-1])
			}
		default:
			return bad("unknown parameter %q (only starttls)", k)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// options are the go-mail client options of s.
func (s smtpSettings) options(timeout time.Duration) []gomail.Option {
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(timeout), gomail.WithTLSPolicy(s.tls)}
	if s.ssl {
		opts = append(opts, gomail.WithSSL())
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	return opts
}

// parseFrom checks the sender address.
func parseFrom(from string) (*mail.Address, error) {
	if from == "" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_MAIL_FROM is required with HINDSIGHT_SMTP_URL (e.g. Hindsight <hindsight@example.com>)")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_MAIL_FROM %q: not an email address (%v)", from, err)
	}
	return a, nil
}
