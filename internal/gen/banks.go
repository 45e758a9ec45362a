package gen

// The phrase banks the generator draws from. Texts may hold these
// placeholders, filled in by (*Generator).fill:
//
//	{svc}     the primary affected service
//	{dep}     a second service (a dependency or a downstream)
//	{region}  a region
//	{name}    a person from the names pool
//	{n}       a small number (2..98)
//	{pct}     a percentage (1..100)
//	{ver}     a release version
//	{ticket}  the document's ticket key
//
// Every text is blameless: no wording from the linter's word list.

// services is the pool of service names.
var services = []string{
	"checkout-api", "payments-gateway", "orders-db", "auth-service", "session-cache",
	"search-indexer", "image-resizer", "notification-service", "email-sender", "sms-gateway",
	"billing-export", "ledger-service", "inventory-service", "pricing-engine", "recommendations",
	"cdn-edge", "api-gateway", "internal-dns", "load-balancer", "event-broker",
	"feature-flags", "user-profile", "admin-console", "mobile-bff", "web-frontend",
	"graphql-gateway", "shipping-rates", "tracking-ingest", "fraud-scoring", "tax-service",
	"report-builder", "data-warehouse", "etl-scheduler", "object-storage", "secrets-manager",
	"ci-runners", "deploy-pipeline", "k8s-control-plane", "metrics-pipeline", "log-ingest",
	"webhook-dispatcher", "identity-provider",
}

// names is the pool of people: owners, commanders, responders.
var names = []string{
	"Hannah Okafor", "Priya Raman", "Tomás Ferreira", "Wen Li", "Aisha Bello", "Grace Kim",
	"Marcus Lindqvist", "Nadia Haddad", "Diego Alvarez", "Jonas Becker", "Leila Moradi",
	"Samuel Adeyemi", "Keiko Tanaka", "Ines Carvalho", "Ravi Menon", "Ahmed Saleh",
	"Claire Dubois", "Marta Nowak", "Oskar Lind", "Femi Ade", "Chen Wei", "Dana Whitfield",
	"Ari Cohen", "Bea Santos", "Sam Oyelaran", "Lena Fischer", "Hugo Marchetti", "Yuki Sato",
	"Mateo Rossi", "Sofia Petrova", "Kwame Mensah", "Elif Yilmaz", "Noah Schmidt",
	"Amara Nwosu", "Lucas Martin", "Zara Ahmed", "Mikael Virtanen", "Rosa Jiménez",
	"Daniel Cho", "Fatima Zahra", "Ivan Horvat", "Julia Weber", "Kenji Watanabe",
	"Laura Costa", "Omar Farouk", "Paula Nieminen", "Quinn Murphy", "Rahul Gupta",
	"Sara Lindberg", "Thabo Dlamini", "Uma Krishnan", "Victor Dupont", "Wanjiru Kamau",
	"Xavier Moreau", "Yasmin Haddad", "Zoltan Kovacs", "Alice Brennan", "Bruno Sousa",
	"Carmen Vidal", "Dmitri Volkov",
}

var regions = []string{
	"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1",
	"sa-east-1", "all regions", "EU and UK", "North America", "APAC",
}

var channels = []string{
	"Slack #inc-{svc}, PagerDuty",
	"Slack #incident-response, Zoom bridge",
	"Slack #ops, PagerDuty, status page",
	"Slack #inc-{svc}, Zoom, email to support",
	"PagerDuty, Slack #sre-oncall",
}

var serviceImpacts = []string{
	"elevated 5xx rate peaking at {pct}%",
	"p99 latency up to {n} s",
	"unavailable",
	"degraded in {region}",
	"stale data for up to {n} minutes",
	"requests timing out",
	"writes rejected",
	"queue backlog of {n}k messages",
	"partial outage in {region}",
	"intermittent connection resets",
}

var usersAffected = []string{
	"{pct}% of users",
	"{pct}% of requests to {svc}",
	"About {n},000 customers",
	"{pct}% of logged-in users",
	"{n} enterprise tenants",
	"No external users; {n} internal users",
}

var detectedBy = []struct {
	text    string
	monitor bool
}{
	{"Monitoring (alert on {svc} error rate)", true},
	{"Monitoring (SLO burn rate alert)", true},
	{"Monitoring (synthetic checkout probe)", true},
	{"Monitoring (queue age alert on {dep})", true},
	{"Customer report (support tickets)", false},
	{"Customer report (enterprise tenant escalation)", false},
	{"Internal team (engineer noticed errors in {svc} logs)", false},
	{"Other (partner notification)", false},
}

// scenario is one kind of incident; its texts are assembled into a document.
type scenario struct {
	title     string
	trigger   string
	cause     string
	factors   []string
	symptoms  []string
	findings  []string
	mitigate  string
	immediate string
	longTerm  string
	actions   []string
}

var scenarios = []scenario{
	{
		title:     "{svc} outage after database failover",
		trigger:   "Primary database of {svc} becomes unresponsive; failover starts",
		cause:     "The database failover promoted a replica that was behind, and connection pools of {svc} kept connections to the old primary.",
		factors:   []string{"Connection pooler kept server connections across the failover.", "No alert on replication lag of promotion candidates.", "The failover runbook did not cover the connection pooler."},
		symptoms:  []string{"Checkout errors and timeouts", "Orders missing from order history", "Duplicate key errors returned to clients"},
		findings:  []string{"Replication lag on the promoted replica measured at {n} s", "Two database nodes found accepting writes", "Connection pool of {svc} still points at the old primary", "Writes to {svc} paused to contain the divergence"},
		mitigate:  "Connection pools of {svc} restarted; all writes go to the new primary",
		immediate: "Fenced the old primary, restarted connection pools and reconciled diverged rows.",
		longTerm:  "Enforce fencing on every database host and route clients through a role-aware endpoint.",
		actions:   []string{"Enforce the watchdog on all database hosts", "Alert on replication lag above 1 MB on promotion candidates", "Add the connection pooler restart to the failover runbook", "Run a failover game day for {svc}"},
	},
	{
		title:     "Expired TLS certificate on {svc}",
		trigger:   "TLS certificate of {svc} expires; handshakes start failing",
		cause:     "The certificate of {svc} was issued outside the managed PKI and was not in the expiry inventory.",
		factors:   []string{"The certificate inventory did not scan trust bundles.", "Handshake failures were counted as client errors and did not alert."},
		symptoms:  []string{"TLS handshake errors", "Mobile app unable to connect", "Partner integrations failing"},
		findings:  []string{"Handshake failures traced to an expired certificate on {svc}", "Certificate found missing from the expiry inventory", "New certificate issued and verified on a canary"},
		mitigate:  "Renewed certificate deployed to every {svc} node",
		immediate: "Issued and deployed a renewed certificate.",
		longTerm:  "Move the certificate into the managed PKI with automated renewal and expiry alerts.",
		actions:   []string{"Add every certificate of {svc} to the expiry inventory", "Alert on TLS handshake failure rate", "Automate renewal of the {svc} certificate"},
	},
	{
		title:     "Bad configuration push to {svc}",
		trigger:   "Configuration change {ticket} rolled out to {svc}",
		cause:     "A configuration change for {svc} passed validation but set a connection limit far below production load.",
		factors:   []string{"The canary stage was too short to reach peak load.", "Configuration changes skip the load test stage.", "The config diff did not show the effective value."},
		symptoms:  []string{"Intermittent 502 errors", "Slow page loads", "Requests rejected with 503"},
		findings:  []string{"Error rate correlates with config rollout {ticket}", "Connection limit on {svc} found at {n}", "Config rollout paused at {pct}% of hosts"},
		mitigate:  "Configuration change {ticket} reverted on all {svc} hosts",
		immediate: "Reverted the configuration change.",
		longTerm:  "Gate configuration rollouts on canary health under peak load.",
		actions:   []string{"Gate config rollouts of {svc} on canary error rate", "Show effective values in config diffs", "Add connection limit bounds to config validation"},
	},
	{
		title:     "DNS resolution failures for {svc}",
		trigger:   "Internal resolvers start returning SERVFAIL for {svc} names",
		cause:     "The internal resolvers ran out of file descriptors after a change disabled upstream connection reuse.",
		factors:   []string{"Resolver capacity had no alert on descriptor usage.", "Client-side DNS caching was disabled for {svc}."},
		symptoms:  []string{"Intermittent name resolution errors", "Calls between services failing", "Login failures"},
		findings:  []string{"SERVFAIL rate at {pct}% on resolvers in {region}", "Resolver processes at their file descriptor limit", "Recent resolver change identified as the trigger"},
		mitigate:  "Resolver change reverted; SERVFAIL rate back to baseline",
		immediate: "Reverted the resolver change and restarted resolvers one by one.",
		longTerm:  "Alert on resolver descriptor usage and enable client-side caching.",
		actions:   []string{"Alert at 80% of resolver descriptor limit", "Enable DNS caching in {svc} clients", "Load test resolver changes before rollout"},
	},
	{
		title:     "{svc} batch job delayed",
		trigger:   "Nightly {svc} job starts and runs far slower than usual",
		cause:     "A schema migration dropped an index the {svc} job depends on, so its query scanned the whole table.",
		factors:   []string{"Staging data is a small fraction of production volume.", "Migration review has no step for batch query plans."},
		symptoms:  []string{"Reports stale until mid-morning", "Finance dashboard showing yesterday's figures"},
		findings:  []string{"Job query found running a sequential scan", "Migration from the previous day dropped the index", "Index re-created concurrently"},
		mitigate:  "{svc} job re-run completes with the restored index",
		immediate: "Re-created the index and re-ran the job.",
		longTerm:  "Check batch query plans in migration CI using production statistics.",
		actions:   []string{"Add EXPLAIN checks of batch queries to migration CI", "Alert on {svc} runtime above its median", "Add batch indexes to the migration review checklist"},
	},
	{
		title:     "{svc} memory exhaustion after release {ver}",
		trigger:   "Release {ver} of {svc} reaches all pods",
		cause:     "Release {ver} of {svc} cached responses without a size bound, so pods ran out of memory under peak traffic.",
		factors:   []string{"Load tests did not cover the cache's worst case.", "Out-of-memory kills were not shown on the service dashboard.", "The rollout did not watch memory growth."},
		symptoms:  []string{"Requests failing during pod restarts", "Latency spikes every few minutes"},
		findings:  []string{"Pods of {svc} restarting with OOMKilled", "Memory growth starts with release {ver}", "Heap profile shows the response cache holding {n} GiB"},
		mitigate:  "{svc} rolled back to the previous release",
		immediate: "Rolled back {svc} to the previous release.",
		longTerm:  "Bound the response cache and add memory growth to rollout health checks.",
		actions:   []string{"Bound the response cache of {svc}", "Show OOM kills on the {svc} dashboard", "Watch memory growth during {svc} rollouts"},
	},
	{
		title:     "Message backlog in {svc}",
		trigger:   "Consumers of {svc} stop making progress",
		cause:     "A consumer deadlocked during a partition rebalance because a lock was held across the revoke callback.",
		factors:   []string{"The health check tested the process, not progress.", "Consumer lag alert threshold was 30 minutes."},
		symptoms:  []string{"Notifications delivered hours late", "Order status not updating"},
		findings:  []string{"Consumer lag on {svc} at {n} minutes", "Goroutine dump shows consumers blocked on a mutex", "Rebalance started the deadlock"},
		mitigate:  "Consumers of {svc} restarted; backlog draining",
		immediate: "Restarted the consumers and drained the backlog.",
		longTerm:  "Fix the lock ordering and make the health check measure progress.",
		actions:   []string{"Fix lock ordering in the {svc} consumer", "Liveness probe of {svc} checks progress", "Lower the consumer lag alert to 5 minutes"},
	},
	{
		title:     "Disk full on {svc} nodes",
		trigger:   "Data disk of a {svc} node reaches 100%",
		cause:     "A new topic was created without a retention limit and filled the disks of {svc}.",
		factors:   []string{"Disk alert threshold was 95% with a long window.", "Topic creation did not require retention settings."},
		symptoms:  []string{"New content missing from search", "Events delayed"},
		findings:  []string{"Disk usage at 100% on {n} nodes", "Topic without retention identified", "Retention set; disk usage falling"},
		mitigate:  "Retention applied; {svc} accepting writes again",
		immediate: "Set retention on the topic and restarted stalled consumers.",
		longTerm:  "Require retention settings on topic creation and alert earlier on disk usage.",
		actions:   []string{"Require retention on topic creation", "Alert on disk usage at 85%", "Document disk recovery in the {svc} runbook"},
	},
	{
		title:     "{svc} rate limited by upstream provider",
		trigger:   "Upstream provider starts rejecting calls from {svc} with 429",
		cause:     "A retry loop without backoff in {svc} multiplied calls to the provider and exceeded its rate limit.",
		factors:   []string{"Retries had no jitter or budget.", "The provider's quota usage was not monitored."},
		symptoms:  []string{"SMS codes not delivered", "Login by one-time code failing"},
		findings:  []string{"429 responses from the provider at {pct}% of calls", "Retry rate of {svc} at {n}x normal", "Retries disabled with a feature flag"},
		mitigate:  "Retries throttled; provider accepting calls again",
		immediate: "Disabled aggressive retries and asked the provider to reset the quota.",
		longTerm:  "Exponential backoff with jitter and a retry budget in the provider client.",
		actions:   []string{"Add backoff with jitter to the {svc} provider client", "Monitor provider quota usage", "Agree on burst limits with the provider"},
	},
	{
		title:     "Cache eviction logged out {svc} users",
		trigger:   "{svc} session cache reaches its memory limit; eviction starts",
		cause:     "A feature flag doubled the size of each session, so the session cache evicted most keys under normal load.",
		factors:   []string{"No alert on cache memory headroom.", "Session size had no budget or test."},
		symptoms:  []string{"Users logged out", "Login loop on mobile apps"},
		findings:  []string{"Cache evictions at {n}k keys per second", "Session payload size doubled after a flag change", "Flag turned off"},
		mitigate:  "Cache memory back below 60%; logins succeed",
		immediate: "Turned off the feature flag that enlarged sessions.",
		longTerm:  "Keep large data out of sessions and alert on cache memory headroom.",
		actions:   []string{"Alert on session cache memory at 75%", "Add a session size test to CI", "Move profile data out of sessions"},
	},
	{
		title:     "CDN misconfiguration served stale pages from {svc}",
		trigger:   "CDN rule change {ticket} goes live for {svc}",
		cause:     "A CDN rule made responses of {svc} cacheable although they depend on the session.",
		factors:   []string{"The CDN change review has no question about session-dependent responses.", "Responses did not send Cache-Control headers."},
		symptoms:  []string{"Users seeing outdated content", "Wrong account data shown"},
		findings:  []string{"Cache hit ratio on {svc} paths jumps to {pct}%", "Responses of {svc} lack Cache-Control headers", "CDN rule {ticket} rolled back and cache purged"},
		mitigate:  "CDN rule rolled back and cache purged",
		immediate: "Rolled back the CDN rule and purged the cache.",
		longTerm:  "Send Cache-Control: private on authenticated responses and bypass the CDN cache for sessions.",
		actions:   []string{"Send Cache-Control: private on authenticated responses of {svc}", "Bypass the CDN cache for requests with a session cookie", "Add session-dependent responses to the CDN review"},
	},
	{
		title:     "Capacity shortfall in {region} for {svc}",
		trigger:   "Traffic to {svc} in {region} exceeds provisioned capacity",
		cause:     "An autoscaler bound for {svc} was set below peak demand after a traffic shift from another region.",
		factors:   []string{"Autoscaler bounds were not reviewed after the traffic shift.", "Capacity planning used last year's peak."},
		symptoms:  []string{"Slow responses", "Timeouts at peak hours"},
		findings:  []string{"{svc} CPU at {pct}% on all instances in {region}", "Autoscaler at its maximum of {n} instances", "Maximum raised; new instances warming up"},
		mitigate:  "{svc} scaled out; latency back within SLO",
		immediate: "Raised the autoscaler maximum and shifted some traffic to a neighbouring region.",
		longTerm:  "Review autoscaler bounds with every traffic shift and plan capacity from current peaks.",
		actions:   []string{"Review autoscaler bounds of {svc}", "Alert when the autoscaler is at its maximum", "Update the capacity plan for {region}"},
	},
}

// genericFindings fill the timeline between the fixed events.
var genericFindings = []string{
	"{name} joins the incident channel",
	"Error rate on {svc} at {pct}%",
	"Status page updated: investigating",
	"Deploy freeze announced for {svc} and {dep}",
	"Dashboards show saturation of the {dep} connection pool",
	"Customer Support reports {n} tickets",
	"Hypothesis ruled out: no deploys to {dep} in the last 24 hours",
	"Traffic to {svc} shifted away from {region}",
	"{name} starts a timeline document for the review",
	"Incident Commander asks for an update every 30 minutes",
	"Latency of {svc} p99 at {n} s",
	"Logs of {dep} show retries against {svc}",
	"Second responder {name} paged for {dep}",
	"Status page updated: identified",
	"Canary host of {svc} shows recovery",
	"Error budget burn of {svc} at {n}x",
}

var wentWell = []string{
	"The alert fired within minutes and pointed at the right service.",
	"Rollback of {svc} was a single command and took under five minutes.",
	"Responders from {dep} joined quickly and shared dashboards.",
	"The runbook for {svc} covered the first mitigation step.",
	"Status page updates went out on schedule.",
	"Feature flags allowed disabling the change without a deploy.",
	"The incident channel kept a clear, timestamped record.",
	"Customer Support had a prepared reply within half an hour.",
}

var wentPoorly = []string{
	"Detection depended on customers noticing first.",
	"The runbook for {svc} was out of date.",
	"Dashboards of {dep} did not show the saturated resource.",
	"Two teams worked on the same hypothesis without knowing it.",
	"The escalation path to the {dep} team was unclear.",
	"Recovery estimates differed between the incident channel and the status page.",
	"The first mitigation attempt had to be reverted.",
	"Alerts were noisy, so the important one did not stand out.",
}

var genericActions = []string{
	"Update the {svc} runbook with the mitigation steps",
	"Add a dashboard panel for the saturated resource of {dep}",
	"Run a game day for {svc} in staging",
	"Document the escalation path to the {dep} team",
	"Prepare status page templates for {svc} outages",
	"Review alert thresholds of {svc}",
	"Add an integration test between {svc} and {dep}",
}

var monitoringImprovements = []string{
	"Alert on the saturated resource of {svc} before it reaches its limit.",
	"Page on SLO burn rate of {svc} instead of raw error counts.",
	"Add a synthetic probe covering {svc} from {region}.",
}

var processImprovements = []string{
	"Changes to {svc} roll out through a longer canary stage.",
	"Configuration changes of {svc} need a second reviewer.",
	"Incident commanders give one recovery estimate in one place.",
}

var documentationUpdates = []string{
	"The {svc} runbook now covers this failure mode.",
	"Architecture notes of {svc} describe its dependency on {dep}.",
	"Escalation contacts for {dep} added to the on-call handbook.",
}

var trainingNeeds = []string{
	"None identified.",
	"On-call engineers for {svc} take the new runbook drill.",
	"Incident commander refresher for the {svc} team.",
}

var statusPage = []string{
	"Investigating, identified, monitoring and resolved updates posted on the public status page.",
	"Three updates on the status page; the last one at resolution.",
	"One update when the impact was confirmed, one at resolution.",
}

var directNotifications = []string{
	"Email to affected enterprise tenants with the impact window.",
	"Account managers called the largest affected customers.",
	"None.",
}

var followUps = []string{
	"Public incident report published after the review.",
	"Summary of this report shared with affected customers.",
	"Service credits offered under the SLA where it applies.",
	"None planned.",
}

var references = []string{
	"Incident ticket: [{ticket}](https://tracker.example.com/browse/{ticket})",
	"Dashboard: [{svc} overview](https://grafana.example.com/d/{svc})",
	"Fix: [pull request](https://git.example.com/{svc}/pull/{n})",
	"Logs: `s3://incident-artifacts/{svc}/`",
	"Related incident review notes: [wiki](https://wiki.example.com/postmortems/{svc})",
}
