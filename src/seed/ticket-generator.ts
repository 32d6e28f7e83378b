// Deterministic generator of realistic customer-support tickets, for benchmarks and for seeding
// a queue. The same seed always yields the same tickets, in the same order (no Math.random, no
// clock, no locale-dependent formatting).
//
//   const gen = createTicketGenerator(42);
//   const { ticket, truth } = gen.next();   // truth: intent, tone, urgency hint used to write it
//   const batch = gen.take(1000);
//
// Body lengths follow a log-normal distribution (median ~60 words, clamped to 5..400 words), so
// most tickets are a short paragraph, some are a terse line and a few run to several paragraphs.

export type Intent =
  | 'login_issue'
  | 'payment_issue'
  | 'bug_report'
  | 'feature_request'
  | 'account_management'
  | 'performance_issue'
  | 'security_concern'
  | 'data_request'
  | 'integration_help'
  | 'general_inquiry';

export type Tone = 'positive' | 'neutral' | 'negative';
export type Urgency = 'critical' | 'high' | 'medium' | 'low';
export type TicketSource = 'email' | 'chat' | 'web' | 'phone';

export const INTENTS: readonly Intent[] = [
  'login_issue',
  'payment_issue',
  'bug_report',
  'feature_request',
  'account_management',
  'performance_issue',
  'security_concern',
  'data_request',
  'integration_help',
  'general_inquiry',
];

/** Same shape as the RawTicket contract (see DESIGN.md, "Ticket contracts"). */
export interface GeneratedRawTicket {
  ticket_id: string;
  subject: string;
  body: string;
  priority?: Urgency;
  created_at: number;
  customer_id: string;
  metadata: { source: TicketSource; language: string; tags: string[] };
}

export interface TicketTruth {
  intent: Intent;
  tone: Tone;
  /** The urgency the text was written to convey ('medium' = no strong hint either way). */
  urgencyHint: Urgency;
  /** Number of whitespace-separated words in the body. */
  bodyWords: number;
}

export interface GeneratedTicket {
  ticket: GeneratedRawTicket;
  truth: TicketTruth;
}

export interface TicketGeneratorOptions {
  /** created_at of the first ticket, unix seconds (default 1717200000 = 2024-06-01T00:00:00Z). */
  startTime?: number;
  /** Mean gap between consecutive tickets in seconds (default 97). */
  meanGapSeconds?: number;
  /** Size of the customer pool (default 2500). */
  customers?: number;
}

export interface TicketGenerator extends Iterable<GeneratedTicket> {
  next(): GeneratedTicket;
  take(count: number): GeneratedTicket[];
  /** How many tickets have been generated so far. */
  readonly count: number;
}

// ---------------------------------------------------------------------------------------------
// PRNG (mulberry32) and helpers

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.uniform() * (maxInclusive - minInclusive + 1));
  }
  chance(p: number): boolean {
    return this.uniform() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[Math.floor(this.uniform() * items.length)]!;
  }
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as Array<[T, number]>;
    const total = entries.reduce((a, [, w]) => a + w, 0);
    let r = this.uniform() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
  /** Standard normal via Box-Muller (one output used, for simplicity). */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
  shuffled<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

/** murmur3's fmix32: a bijection on 32-bit integers, so distinct inputs give distinct ids. */
function fmix32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad2 = (n: number): string => String(n).padStart(2, '0');
const isoSeconds = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
const withThousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

// ---------------------------------------------------------------------------------------------
// Vocabulary for slots

const PRODUCTS = ['Flowdesk', 'Ledgerly', 'Pulse Analytics', 'Stackwise', 'Nimbus Drive', 'Relay CRM', 'Beacon Forms', 'Orbit Scheduler'];
// Singular nouns: templates say "the {feature} is ...".
const FEATURES = [
  'dashboard', 'reports page', 'CSV export', 'bulk import', 'search page', 'notification center', 'calendar sync',
  'team inbox', 'invoice editor', 'mobile app', 'API explorer', 'webhook settings page', 'audit log', 'user directory',
  'custom field editor', 'report scheduler', 'file upload dialog', 'approval workflow',
];
/** Browser and operating system pairs that exist together. */
const BROWSER_OS: ReadonlyArray<readonly [browser: string, os: string]> = [
  ['Chrome 124', 'Windows 11'], ['Chrome 126', 'Windows 10'], ['Edge 125', 'Windows 11'], ['Firefox 126', 'Windows 10'],
  ['Safari 17.5', 'macOS Sonoma'], ['Chrome 126', 'macOS Ventura'], ['Firefox 126', 'Ubuntu 22.04'],
  ['Safari', 'iOS 17'], ['Chrome', 'Android 14'], ['Chrome 125', 'ChromeOS'],
];
const PLANS = ['Starter', 'Pro', 'Business', 'Enterprise', 'Team'];
const INTEGRATIONS = ['Salesforce', 'Slack', 'Zapier', 'HubSpot', 'Jira', 'Shopify', 'QuickBooks', 'Google Workspace', 'Microsoft Teams', 'Okta', 'Stripe', 'Zendesk'];
const FIRST_NAMES = [
  'Maria', 'James', 'Priya', 'Chen', 'Olivia', 'Ahmed', 'Sofia', 'Lukas', 'Fatima', 'Daniel', 'Aiko', 'Carlos',
  'Emma', 'Noah', 'Zanele', 'Mateo', 'Hannah', 'Ravi', 'Ingrid', 'Tomasz', 'Grace', 'Kwame', 'Lena', 'Omar',
];
const COMPANIES = [
  'Northwind Traders', 'Bluebird Logistics', 'Kestrel Health', 'Harbor & Pine', 'Quartz Legal', 'Summit Outdoor Co',
  'Brightside Dental', 'Copperleaf Media', 'Ferro Manufacturing', 'Lumen Education', 'Redwood Realty', 'Tidewater Foods',
];
const ENDPOINTS = ['/v2/orders', '/v2/contacts', '/api/v1/invoices', '/v2/users/{id}', '/v1/reports/export', '/v2/webhooks', '/oauth/token'];
const REGIONS = ['EU', 'US-East', 'US-West', 'APAC', 'UK'];
// Used as "for {duration}".
const DURATIONS = ['a few weeks', 'two months', 'about six months', 'over a year', 'two years', 'almost three years'];

const ERROR_CODES: Readonly<Partial<Record<Intent, readonly string[]>>> = {
  login_issue: ['ERR_AUTH_401', 'SSO_ASSERTION_INVALID', 'TOKEN_EXPIRED', 'MFA_CODE_REJECTED', 'ACCOUNT_LOCKED_423'],
  payment_issue: ['PAYMENT_DECLINED_51', 'CARD_EXPIRED', 'E_BILLING_3DS_FAILED', 'INSUFFICIENT_FUNDS', 'ERR_INVOICE_SYNC'],
  bug_report: ['E1042', 'HTTP 500', 'TypeError: undefined is not a function', 'ERR_RENDER_FAILED', 'E2207'],
  performance_issue: ['E_TIMEOUT_30S', 'HTTP 504', 'DB_LOCK_TIMEOUT', 'ERR_CONNECTION_RESET', 'HTTP 503'],
  integration_help: ['RATE_LIMIT_EXCEEDED', 'HTTP 401', 'INVALID_WEBHOOK_SIGNATURE', 'HTTP 422', 'OAUTH_INVALID_GRANT'],
  data_request: ['EXPORT_TOO_LARGE', 'E_EXPORT_QUEUE', 'HTTP 413'],
  account_management: ['SEAT_LIMIT_REACHED', 'E_ROLE_CONFLICT', 'HTTP 403'],
  security_concern: ['HTTP 403', 'ERR_SESSION_HIJACK_SUSPECTED', 'UNKNOWN_DEVICE'],
};
const GENERIC_ERROR_CODES = ['HTTP 500', 'E1042', 'ERR_UNKNOWN', 'HTTP 502'];

// ---------------------------------------------------------------------------------------------
// Templates. {slot} is filled from the slot table (one value per ticket, so a ticket mentions the
// same product throughout); {a|b|c} picks one alternative.

/** An opening sentence and the subject lines that fit it. */
type Opening = readonly [subjects: readonly string[], text: string];

interface IntentTemplates {
  /** Subject lines that fit any ticket of the intent. */
  subjects: readonly string[];
  /** Whole bodies of a few words (5 or more). */
  terse: readonly string[];
  /** First sentence(s): what is wrong / what is wanted, with matching subjects. */
  openings: readonly Opening[];
  /** Supporting detail sentences. */
  details: readonly string[];
  /** What the customer asks for. */
  asks: readonly string[];
  /** Optional steps to reproduce / things tried (used in longer tickets). */
  steps?: readonly string[];
  /** Optional log line shapes (used in some longer tickets). */
  logs?: readonly string[];
  tags: readonly string[];
}

const T: Readonly<Record<Intent, IntentTemplates>> = {
  login_issue: {
    subjects: ['Cannot log in', 'Login not working', 'Login problem', "Can't sign in to {product}", 'Unable to access my account'],
    terse: [
      "hi, I can't log in anymore", 'locked out of my account again', 'the password reset link is broken',
      "my 2FA code doesn't work anymore", 'login keeps failing with {error_code}', 'SSO is broken for our whole team',
      'cannot sign in since the update',
    ],
    openings: [
      [['Invalid credentials after password reset', 'Password not accepted'], "I can't log in to {product}. Every time I enter my password it says the credentials are invalid, even though I just reset it."],
      [['SSO login fails with {error_code}', 'SSO broken since {date}'], 'Since {date} none of our users can sign in through SSO. The login page shows {error_code} and sends us back to the start.'],
      [['Password reset email never arrives', 'No reset email'], 'I requested a password reset three times and the email never arrived, not even in the spam folder.'],
      [['Locked out of my account', 'Account locked'], 'My account got locked after a few failed attempts and I still cannot get back in.'],
      [['2FA code not accepted', 'Two-factor authentication rejects my code'], 'The two-factor code from my authenticator app is rejected every time, although the clock on my phone is correct.'],
      [['Stuck in a login loop on {browser}', 'Redirect loop at login'], 'When I log in on {browser} I end up in a redirect loop between the login page and the {feature}.'],
      [['Cannot log in after changing my email', 'Login fails after email change'], 'I changed my email address last week and now I cannot log in with either the old or the new one.'],
    ],
    details: [
      'I am using {browser} on {os} and already cleared cookies and cache.',
      'It works in a private window for a minute and then logs me out again.',
      'Two colleagues on the same network can log in without problems.',
      'The error message says {error_code} and nothing else.',
      'We use {integration} as our identity provider and nothing changed on our side.',
      'I tried resetting the password from the mobile app as well, same result.',
      'The reset link opens a page that says the token has expired, even when I click it right away.',
      'I have used this email address with {product} for {duration}.',
      'I also tried a different browser and a different computer.',
      'Our admin says my account shows as active in the user directory.',
      'I have a client presentation later and all my notes are in {product}.',
      'The login page itself loads fine; it fails right after I submit the form.',
    ],
    asks: [
      'Can you unlock my account or tell me what is going on?',
      'Please restore my access so I can get back to work.',
      'Could someone check the login configuration on your side?',
      'Please let me know what I need to do to log in again.',
    ],
    steps: [
      'Cleared cookies and cache', 'Tried an incognito window', 'Reset my password twice', 'Tried {browser} and the mobile app',
      'Synced the time on my phone', 'Asked our admin to re-invite me',
    ],
    logs: ['{timestamp} auth: login failed for user, reason={error_code}', '{timestamp} sso: assertion rejected ({error_code}), redirecting to /login'],
    tags: ['login', 'auth', 'sso', 'password', '2fa'],
  },
  payment_issue: {
    subjects: ['Billing problem', 'Question about my invoice', 'Payment issue', 'Problem with a charge', 'Billing question about the {plan} plan'],
    terse: [
      'charged twice this month, please refund', 'my card was declined again today', 'I need a refund for {amount}',
      'invoice {invoice} has the wrong amount', 'why was I charged {amount}?', "can't update my card on file",
    ],
    openings: [
      [['Charged twice this month', 'Duplicate charge of {amount}'], 'I was charged {amount} twice on {date} for the same {plan} subscription.'],
      [['Payment declined', 'Renewal payment fails with {error_code}'], 'Our card keeps getting declined with {error_code} when we try to renew, but the bank says there is no problem on their end.'],
      [['Wrong amount on invoice {invoice}', 'Invoice {invoice} is incorrect'], 'Invoice {invoice} shows {amount}, but we downgraded to the {plan} plan last month and should be paying less.'],
      [['Charged after cancelling', 'Refund request'], 'I cancelled my subscription on {date} and was still charged {amount} today.'],
      [['Billed for unused seats', 'Seat count on invoice is wrong'], 'We were charged for {count} seats, but only half of them are in use.'],
      [['Card update fails with {error_code}', 'Cannot update payment method'], 'I am trying to update the credit card on file and the form fails with {error_code}.'],
      [['Unexpected charge of {amount}', 'Unknown charge on our card'], 'There is a charge of {amount} on our company card from you that nobody here recognizes.'],
    ],
    details: [
      'The card ending in {card} is the one that was charged.',
      'Our finance team needs this sorted before the end of the month.',
      'I have attached a screenshot of the bank statement.',
      'We have been customers for {duration} and this never happened before.',
      'The billing page still shows the old price.',
      'Our VAT number is missing from the invoice as well.',
      'I already tried a different card and got the same error.',
      'The payment was made in EUR but the invoice is in USD.',
      'Our accounting system flagged the transaction automatically.',
      'The billing contact on file is our finance manager, please copy her on the reply.',
      'I could not find any email about a price change.',
    ],
    asks: [
      'Please refund the extra amount.',
      'Could you send a corrected invoice?',
      'Can you check what went wrong and let me know?',
      'I would like an explanation of this charge.',
      'Please fix the billing so it does not happen again.',
    ],
    steps: ['Checked the billing page', 'Tried a second card', 'Called our bank', 'Downloaded the invoice PDF again'],
    tags: ['billing', 'refund', 'invoice', 'payments'],
  },
  bug_report: {
    subjects: ['Bug report', '{feature} is broken', 'Something is wrong with the {feature}', 'Bug in version {version}', 'Error in {product}'],
    terse: [
      'the {feature} is broken since the update', 'getting {error_code} every time I save', 'the app crashes right on start',
      'the export button does nothing at all', 'the numbers in the report are wrong',
    ],
    openings: [
      [['Error {error_code} when saving', 'Changes lost on save'], 'When I click save in the {feature}, I get {error_code} and my changes are lost.'],
      [['Blank page after update', '{feature} blank since {version}'], 'Since the update to version {version}, the {feature} shows a blank page.'],
      [['Bug: {feature} shows wrong totals', 'Wrong numbers in the {feature}'], 'The {feature} displays totals that do not match the underlying records.'],
      [['App crashes when opening {feature}', 'Mobile app crash'], 'The mobile app crashes every time I open the {feature}.'],
      [['Dates are off by one day in {feature}', 'Wrong dates shown'], 'Dates in the {feature} are shown one day earlier than what we entered.'],
      [['Sorting by date is broken', 'Sort order wrong in {feature}'], 'Sorting by date in the {feature} puts the newest items in the middle of the list.'],
      [['Attachments disappear', 'Uploaded files vanish after refresh'], 'Attachments uploaded through the {feature} disappear after a page refresh.'],
    ],
    details: [
      'It happens on {browser} on {os}; I have not tried other browsers yet.',
      'The browser console shows {error_code}.',
      'It started after the release on {date}.',
      'It happens for every user in our workspace, not just me.',
      'It only happens with records that have more than {count} line items.',
      'Refreshing the page does not help.',
      'This worked fine last week.',
      'Our timezone is set to UTC+2 in the account settings.',
      'We are on app version {version}.',
      'I can reproduce it every time.',
      'I attached a short screen recording that shows the problem.',
      'Older records created before the update look correct.',
    ],
    asks: [
      'Can you look into this?',
      'Please let me know when a fix is available.',
      'Is there a workaround until this is fixed?',
      'Could you confirm whether this is a known bug?',
    ],
    steps: [
      'Open the {feature}', 'Create a new record with any data', 'Click Save', 'Refresh the page',
      'Switch to the list view', 'Filter by last week',
    ],
    logs: ['{timestamp} ERROR {error_code} at render (app.js:1:48213)', '{timestamp} POST /api/records 500 ({error_code})'],
    tags: ['bug', 'ui', 'mobile', 'regression'],
  },
  feature_request: {
    subjects: ['Feature request', 'Suggestion', 'Idea for {product}', 'Product feedback', 'Feature idea for the {feature}'],
    terse: [
      'please add a dark mode, thanks', 'any plans for bulk edit in {product}?', 'would love an Excel export option',
      'can we get keyboard shortcuts please?',
    ],
    openings: [
      [['Feature request: bulk edit', 'Idea: bulk edit'], 'It would be great if the {feature} supported bulk editing.'],
      [['Feature request: dark mode', 'Dark mode?'], 'Are there any plans to add a dark mode to {product}?'],
      [['Could you add recurring reports?', 'Scheduling for the {feature}'], 'We would love to be able to schedule the {feature} to run every Monday morning.'],
      [['Request: export to Excel', 'Excel export'], 'Could you add an option to export the {feature} directly to Excel instead of CSV?'],
      [['Custom permissions per project', 'Suggestion: finer permissions'], 'It would help us a lot if we could set custom permissions per project.'],
      [['Keyboard shortcuts', 'Suggestion for the {feature}'], 'Please consider adding keyboard shortcuts to the {feature}.'],
      [['{integration} integration on the roadmap?', 'Native {integration} integration'], 'We would like to connect {product} with {integration}; is a native integration on the roadmap?'],
    ],
    details: [
      'Right now we do this manually and it takes a few hours every week.',
      'Several people on my team have asked for this.',
      'A competitor we evaluated has this, and it is the main thing we miss.',
      'Even a simple version would already be useful.',
      'We have {count} users who would benefit from this.',
      'We would be happy to beta test it.',
      'Being able to filter by custom fields would be a bonus.',
      'Our team works late and the bright interface is hard on the eyes.',
      'It would also make onboarding new colleagues easier.',
    ],
    asks: [
      'Is this on the roadmap?',
      'Let me know if you need more details about our use case.',
      'Could you pass this on to the product team?',
      'Any idea if and when this might be possible?',
    ],
    tags: ['feature-request', 'roadmap', 'ux'],
  },
  account_management: {
    subjects: ['Account change request', 'Question about our account', 'Account settings', 'Update our account', 'Admin request'],
    terse: [
      'please add five more seats to our account', 'please remove Dan from our workspace', 'please upgrade us to {plan}',
      'I want to close my account please', 'change the account owner to {name}',
    ],
    openings: [
      [['Change account owner', 'Transfer ownership to a colleague'], 'Our account owner left the company and we need to transfer ownership to {name}.'],
      [['Upgrade and add seats', 'Add more seats'], 'We would like to upgrade from the {plan} plan and add {count} more seats.'],
      [['Remove a user from our workspace', 'Offboarding a former employee'], 'Please remove a former employee from our workspace; I do not have admin rights to do it myself.'],
      [['Close my account', 'Delete my account'], 'I would like to close my account and delete my profile.'],
      [['Change company name on the account', 'Company renamed'], 'Our company was renamed to {company} and the account still shows the old name.'],
      [['Change primary email', 'Update account email'], 'How do I change the primary email address on our account?'],
      [['Merge two workspaces', 'Workspace merge'], 'We need to merge two workspaces that were created by different teams.'],
    ],
    details: [
      'I am the billing contact and can confirm this request.',
      'The current owner can no longer log in because their email was deactivated.',
      'We are on the {plan} plan with {count} seats.',
      'Our workspace ID is shown in the address bar when I log in.',
      'The settings page only says "contact your administrator".',
      'Please keep all existing data and projects.',
      'This should take effect from the next billing cycle.',
      'Our legal team asked us to keep the audit history.',
    ],
    asks: [
      'What do you need from us to make this change?',
      'Can you take care of this for us?',
      'Please confirm once it is done.',
      'Could you tell me the steps to do it myself?',
    ],
    tags: ['account', 'seats', 'admin', 'subscription'],
  },
  performance_issue: {
    subjects: ['{product} is very slow', 'Performance problem', 'Everything is lagging', 'Slow performance since {date}', 'Very slow response times'],
    terse: [
      'the site is super slow today', 'the dashboard is not loading at all', 'getting timeouts everywhere since lunch',
      'reports take forever to load now', 'the app is lagging really badly',
    ],
    openings: [
      [['Dashboard takes forever to load', 'Pages load in {seconds} seconds'], 'The {feature} takes more than {seconds} seconds to load, which makes it almost unusable.'],
      [['Slow performance since {date}', '{product} is very slow'], 'Since {date} everything in {product} has been extremely slow for our whole team.'],
      [['API timeouts on {endpoint}', 'API responses are very slow'], 'Our API calls to {endpoint} time out with {error_code} about a third of the time.'],
      [['Reports take minutes', 'Report generation very slow'], 'Generating a report used to take seconds and now it takes several minutes.'],
      [['{feature} freezes after every click', 'UI freezes'], 'The {feature} freezes for a few seconds after every click.'],
      [['Sync takes hours', '{integration} sync very slow'], 'Syncing with {integration} now takes hours instead of minutes.'],
    ],
    details: [
      'Our internet connection is fine; other sites load normally.',
      'It is worst in the morning between 9 and 11, {region} time.',
      'We have about {records} records in the account.',
      'Other users in the {region} region report the same thing.',
      'I checked your status page and it says all systems are operational.',
      'We see {error_code} in our logs when it happens.',
      'It is slow on {browser} and in the mobile app alike.',
      'Smaller workspaces we manage do not seem to be affected.',
      'Our support agents are waiting on every screen, so customers wait too.',
      'It got noticeably worse after we imported last year\'s data.',
    ],
    asks: [
      'Can you check whether something is wrong on your side?',
      'Is there an incident going on?',
      'Please investigate; this is hurting our productivity.',
      'Is there anything we can do to speed it up?',
    ],
    steps: ['Tested on a wired connection', 'Tried a different browser', 'Checked your status page', 'Reduced the date range of the report'],
    logs: ['{timestamp} GET {endpoint} took 31204 ms ({error_code})', '{timestamp} WARN request timed out after 30000 ms: {error_code}'],
    tags: ['performance', 'latency', 'timeout', 'api'],
  },
  security_concern: {
    subjects: ['Security concern', 'Possible security issue', 'Is my account compromised?', 'Security question', 'Suspicious activity'],
    terse: [
      'someone else logged into my account', 'did you send this phishing email?', 'unknown login from abroad on my account',
      'my password was changed without me',
    ],
    openings: [
      [['Suspicious login on my account', 'Login from unknown country'], 'I got an alert about a login to my account from a country I have never been to.'],
      [['Possible phishing email', 'Is this email from you?'], 'We received an email that looks like it comes from {product} asking us to confirm our payment details; is this phishing?'],
      [['Unknown device in my sessions', 'Session I do not recognize'], 'There is an unknown device in my active sessions and I did not log in from it.'],
      [['Someone changed my password', 'Password changed without my consent'], 'My password was changed on {date} and it was not me.'],
      [['Strange activity in the audit log', 'Unauthorized export?'], 'The audit log shows {records} records exported by a user who should not have access.'],
      [['Report a vulnerability', 'Responsible disclosure'], 'I think I found a security vulnerability in the {feature} and would like to report it responsibly.'],
      [['Security question about data encryption', 'Vendor security review'], 'Our security team needs to know how customer data is encrypted at rest.'],
    ],
    details: [
      'I have already changed my password and enabled two-factor authentication.',
      'The login came from an IP address we do not recognize.',
      'The email came from a domain that is very close to yours but not the same.',
      'Nobody else has my credentials.',
      'We need this for our annual vendor security review.',
      'I can share the details through a secure channel.',
      'The sessions page shows {browser} on {os}, which nobody on our team uses.',
      'We are worried that customer data may have been accessed.',
      'Our compliance officer has been informed.',
    ],
    asks: [
      'Please lock the account and check what happened.',
      'Can you confirm whether our data was accessed?',
      'Who should I send the details to?',
      'Could you share your latest security documentation?',
      'Please tell me what else we should do right now.',
    ],
    tags: ['security', 'phishing', 'account-takeover', 'compliance'],
  },
  data_request: {
    subjects: ['Data request', 'Request for our data', 'Data export', 'Personal data request', 'Question about our data'],
    terse: [
      'please export all of our data', 'GDPR request: please delete my data', 'I need a copy of my data',
      'the data export fails with {error_code}',
    ],
    openings: [
      [['GDPR data access request', 'Copy of my personal data'], 'Under GDPR I would like to receive a copy of all personal data you hold about me.'],
      [['Request to delete my personal data', 'Right to erasure'], 'Please delete all personal data associated with my email address.'],
      [['Need a full backup of our account', 'Full export for audit'], 'We need a full export of our account data, including attachments, for an audit.'],
      [['Data export fails with {error_code}', 'Export stops at {records} rows'], 'The export of the {feature} fails with {error_code} once it reaches about {records} rows.'],
      [['Export all our data', 'Migrating away: need all records'], 'We are migrating to another system and need all of our records in CSV or JSON.'],
      [['Data retention question', 'How long do you keep data?'], 'How long do you keep data after an account is closed?'],
    ],
    details: [
      'The data should cover everything since {date}.',
      'Our auditors need it by the end of next week.',
      'We have roughly {records} records and several thousand attachments.',
      'Please include the audit log as well.',
      'I can verify my identity however you need.',
      'The built-in export only includes the last 90 days.',
      'Our data protection officer is in copy.',
      'A machine-readable format would be best for us.',
    ],
    asks: [
      'Please confirm when the request has been completed.',
      'How can we get the complete data set?',
      'What is the expected timeline for this request?',
      'Can you prepare it on your side and send us a link?',
    ],
    tags: ['gdpr', 'export', 'privacy', 'data'],
  },
  integration_help: {
    subjects: ['Integration help', 'API question', 'Help with the {integration} integration', 'Developer question', 'Integration problem'],
    terse: [
      'the {integration} sync stopped working', 'our webhooks are failing since yesterday', 'the API gives {error_code} for every call',
      'how do I connect {integration} to {product}?',
    ],
    openings: [
      [['{integration} integration not syncing', '{integration} sync stopped on {date}'], 'Our {integration} integration stopped syncing on {date} without any error in the settings page.'],
      [['API returns {error_code}', '{endpoint} fails with {error_code}'], 'Calls to {endpoint} return {error_code} even though the API key is valid.'],
      [['Webhook deliveries failing', 'Webhook errors: {error_code}'], 'Webhook deliveries to our endpoint fail with {error_code}.'],
      [['How to connect {integration}?', 'Cannot authorize {integration}'], 'I am trying to connect {product} to {integration} and the authorization step fails.'],
      [['Duplicate records from {integration} sync', 'Sync creates duplicates'], 'Records created through the {integration} sync show up twice.'],
      [['Help with API pagination', 'Pagination docs do not match {endpoint}'], 'The API documentation for pagination on {endpoint} does not match what the API returns.'],
    ],
    details: [
      'We regenerated the API key and it did not help.',
      'The same request works with a personal access token but not with OAuth.',
      'We are sending about {count} requests per minute, well under the documented limit.',
      'Our developer followed the setup guide step by step.',
      'The integration worked fine for {duration} before this.',
      'Here is the request ID from the response headers: {request_id}.',
      'Our webhook endpoint returns 200 within a second.',
      'We recently rotated our {integration} credentials.',
      'We use the official SDK, version {version}.',
    ],
    asks: [
      'Could you check the logs for our account?',
      'What are we doing wrong?',
      'Is there an example of how this should work?',
      'Can someone from your developer support team help us?',
    ],
    steps: ['Regenerated the API key', 'Reconnected {integration}', 'Checked the webhook secret', 'Retried the request with curl', 'Read the API docs on pagination'],
    logs: ['{timestamp} POST {endpoint} -> {error_code} request_id={request_id}', '{timestamp} webhook delivery failed: {error_code}'],
    tags: ['api', 'integration', 'webhooks', 'oauth'],
  },
  general_inquiry: {
    subjects: ['Question about {product}', 'Quick question', 'General question', 'Information request', 'A few questions'],
    terse: [
      'do you have a user guide somewhere?', 'what are your support hours, please?', 'do you have a nonprofit discount?',
      'quick question about your plans',
    ],
    openings: [
      [['Difference between {plan} and Enterprise', 'Which plan do we need?'], 'I would like to know the difference between the {plan} plan and Enterprise.'],
      [['Do you offer discounts for nonprofits?', 'Nonprofit pricing'], 'Do you offer discounts for nonprofit organizations?'],
      [['Where can I find the user guide?', 'Tutorials for new users'], 'Is there a user guide or video tutorial for new team members?'],
      [['Support hours?', 'When is support available?'], 'What are your support hours for customers in the {region} region?'],
      [['Evaluating {product}', 'Questions before we buy'], 'We are evaluating {product} for our team of {count} people and have a few questions.'],
      [['Training for our team', 'Onboarding training'], 'Do you offer onboarding training for new customers?'],
    ],
    details: [
      'We are a small team and just getting started.',
      'I could not find this information on your website.',
      'We might expand to more teams next quarter.',
      'A colleague recommended {product} to us.',
      'We are based in the {region} region.',
    ],
    asks: ['Thanks for any information.', 'Could you point me in the right direction?', 'Looking forward to your answer.', 'Can someone get back to me?'],
    tags: ['question', 'sales', 'docs'],
  },
};

const GREETINGS = ['Hi,', 'Hello,', 'Hi team,', 'Hello support,', 'Hi there,', 'Dear support team,', 'Good morning,', 'Hey,'];
const SIGNOFFS = ['Thanks,', 'Thank you,', 'Best regards,', 'Regards,', 'Cheers,', 'Kind regards,', 'Many thanks,'];
const CONTEXT = [
  'We have been using {product} at {company} for {duration} and are generally happy with it.',
  'I am the administrator for our workspace.',
  'We are on the {plan} plan.',
  'Our team relies on {product} every day.',
  'I manage a team of {count} people who all use {product}.',
  'I already searched your help center but did not find an answer.',
  'This is my second ticket about this.',
  'I spoke to one of your colleagues on chat earlier, but the issue is not resolved.',
  'For context, our account is registered to {company}.',
  'We switched to {product} from another tool earlier this year.',
  'Nothing has changed in our setup recently, as far as I know.',
  'I am writing on behalf of our operations team.',
];
const CLOSING_EXTRA = [
  'I am available for a call if that helps.',
  'Feel free to reach me at {email}.',
  'Let me know if you need screenshots or any other details.',
  'I can share my screen if that makes it easier.',
  'You can reply to this email directly.',
];

const URGENCY_PHRASES: Readonly<Record<Urgency, readonly string[]>> = {
  critical: [
    'Production is down and our customers are affected.',
    'This is urgent: our whole team is blocked right now.',
    'We are losing money every minute this is not fixed.',
    'This is a critical outage for us.',
    'Nobody in the company can work until this is resolved.',
    'URGENT - please escalate immediately.',
  ],
  high: [
    'Please treat this as a priority.',
    'We need this resolved as soon as possible.',
    'This is blocking an important deadline on {date}.',
    'It is affecting several of our customers.',
    'We need a fix today if at all possible.',
  ],
  medium: [
    'It would be great to get this sorted this week.',
    'It is not blocking us, but it is annoying.',
    'We have a workaround for now.',
  ],
  low: [
    'No rush on this.',
    'Whenever you get a chance.',
    'This is not urgent at all.',
    'Low priority, just wanted to flag it.',
    'Take your time, it is just a minor thing.',
  ],
};
const URGENCY_TERSE: Readonly<Record<Urgency, readonly string[]>> = {
  critical: ['URGENT', 'prod is down', 'ASAP!!'],
  high: ['asap please', 'need this today'],
  medium: [''],
  low: ['no rush', 'whenever'],
};

const TONE_PHRASES: Readonly<Record<Tone, readonly string[]>> = {
  positive: [
    'Thanks so much for your help, your team has always been great.',
    'We really love {product}, so thanks in advance!',
    'Your support has been excellent so far and I appreciate it.',
    'Great product overall, just this one thing.',
    'Thank you, you folks are the best.',
  ],
  neutral: [],
  negative: [
    'This is really frustrating.',
    'Honestly this is unacceptable for a paid service.',
    'I am very disappointed with how this has been handled.',
    'If this is not fixed soon we will have to consider cancelling.',
    'This is the third time this month and my patience is running out.',
    'I am extremely unhappy about this.',
  ],
};

const PROBABILITY_INTENT: Readonly<Record<Intent, number>> = {
  login_issue: 11,
  payment_issue: 11,
  bug_report: 12,
  feature_request: 9,
  account_management: 10,
  performance_issue: 10,
  security_concern: 8,
  data_request: 8,
  integration_help: 11,
  general_inquiry: 10,
};

const URGENCY_BY_INTENT: Readonly<Record<Intent, Readonly<Record<Urgency, number>>>> = {
  login_issue: { critical: 10, high: 35, medium: 40, low: 15 },
  payment_issue: { critical: 5, high: 35, medium: 45, low: 15 },
  bug_report: { critical: 12, high: 30, medium: 40, low: 18 },
  feature_request: { critical: 0, high: 5, medium: 35, low: 60 },
  account_management: { critical: 2, high: 18, medium: 50, low: 30 },
  performance_issue: { critical: 20, high: 40, medium: 30, low: 10 },
  security_concern: { critical: 35, high: 45, medium: 15, low: 5 },
  data_request: { critical: 3, high: 25, medium: 50, low: 22 },
  integration_help: { critical: 10, high: 35, medium: 40, low: 15 },
  general_inquiry: { critical: 0, high: 5, medium: 45, low: 50 },
};

const TONE_BY_INTENT: Readonly<Record<Intent, Readonly<Record<Tone, number>>>> = {
  login_issue: { positive: 15, neutral: 50, negative: 35 },
  payment_issue: { positive: 10, neutral: 45, negative: 45 },
  bug_report: { positive: 15, neutral: 50, negative: 35 },
  feature_request: { positive: 55, neutral: 40, negative: 5 },
  account_management: { positive: 25, neutral: 65, negative: 10 },
  performance_issue: { positive: 10, neutral: 45, negative: 45 },
  security_concern: { positive: 10, neutral: 55, negative: 35 },
  data_request: { positive: 15, neutral: 70, negative: 15 },
  integration_help: { positive: 20, neutral: 60, negative: 20 },
  general_inquiry: { positive: 45, neutral: 50, negative: 5 },
};

const SOURCES: Readonly<Record<TicketSource, number>> = { email: 45, web: 25, chat: 20, phone: 10 };

// ---------------------------------------------------------------------------------------------
// Generation

const countWords = (s: string): number => (s.trim() === '' ? 0 : s.trim().split(/\s+/).length);

function formatDate(rng: Rng, unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (rng.int(0, 3)) {
    case 0:
      return `${MONTHS[m]} ${day}`;
    case 1:
      return `${y}-${pad2(m + 1)}-${pad2(day)}`;
    case 2:
      return `${WEEKDAYS[d.getUTCDay()]}, ${MONTHS[m]!.slice(0, 3)} ${day}`;
    default:
      return `${day} ${MONTHS[m]} ${y}`;
  }
}

function formatAmount(rng: Rng): string {
  const cents = rng.chance(0.6) ? rng.pick([900, 1900, 2900, 4900, 9900, 19900, 49900]) + rng.pick([0, 99]) : rng.int(500, 500000);
  const value = `${withThousands(Math.floor(cents / 100))}.${pad2(cents % 100)}`;
  const currency = rng.weighted({ $: 70, '€': 20, '£': 10 });
  return `${currency}${value}`;
}

class SlotFiller {
  private readonly values = new Map<string, string>();
  constructor(
    private readonly rng: Rng,
    private readonly intent: Intent,
    private readonly createdAt: number,
    private readonly signature: { name: string; company: string },
  ) {}

  private generate(slot: string): string | undefined {
    const r = this.rng;
    switch (slot) {
      case 'product': return r.pick(PRODUCTS);
      case 'feature': return r.pick(FEATURES);
      case 'browser':
      case 'os': {
        const [browser, os] = r.pick(BROWSER_OS);
        this.values.set('browser', browser);
        this.values.set('os', os);
        return slot === 'browser' ? browser : os;
      }
      case 'plan': return r.pick(PLANS);
      case 'integration': return r.pick(INTEGRATIONS);
      case 'endpoint': return r.pick(ENDPOINTS);
      case 'region': return r.pick(REGIONS);
      case 'duration': return r.pick(DURATIONS);
      case 'error_code': return r.pick(ERROR_CODES[this.intent] ?? GENERIC_ERROR_CODES);
      case 'amount': return formatAmount(r);
      case 'invoice': return `INV-${new Date(this.createdAt * 1000).getUTCFullYear()}-${String(r.int(1, 99999)).padStart(5, '0')}`;
      case 'card': return String(r.int(0, 9999)).padStart(4, '0');
      case 'count': return String(r.pick([3, 5, 8, 12, 15, 20, 25, 40, 60, 120, 250]));
      case 'records': return withThousands(r.pick([2, 5, 12, 40, 85, 150, 600]) * 1000 + r.int(0, 9) * 100);
      case 'seconds': return String(r.pick([10, 15, 20, 30, 45, 60, 90]));
      case 'version': return `${r.int(3, 5)}.${r.int(0, 19)}.${r.int(0, 9)}`;
      case 'date': return formatDate(r, this.createdAt - r.int(0, 20) * 86400);
      case 'name': return r.pick(FIRST_NAMES.filter((n) => n !== this.signature.name));
      case 'company': return this.signature.company;
      case 'email': {
        const domain = this.signature.company.toLowerCase().replace(/[^a-z]+/g, '') + '.com';
        return `${this.signature.name.toLowerCase()}@${domain}`;
      }
      case 'request_id': {
        let s = 'req_';
        for (let i = 0; i < 16; i++) s += '0123456789abcdef'[r.int(0, 15)];
        return s;
      }
      default: return undefined;
    }
  }

  fill(template: string): string {
    return template.replace(/\{([^{}]+)\}/g, (whole, inner: string) => {
      if (inner.includes('|')) return this.rng.pick(inner.split('|'));
      if (inner === 'id') return whole; // literal path parameter in ENDPOINTS, e.g. /v2/users/{id}
      let v = this.values.get(inner);
      if (v === undefined) {
        v = this.generate(inner);
        if (v === undefined) throw new Error(`ticket template uses unknown slot {${inner}}`);
        this.values.set(inner, v);
      }
      return v;
    });
  }
}

/** Target body length in words: log-normal (median 66), clamped; bodies end up ~5..400 words, median ~60. */
function targetWords(rng: Rng): number {
  const w = Math.round(Math.exp(Math.log(66) + 0.75 * rng.normal()));
  return Math.min(340, Math.max(5, w));
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

interface BodyPlan {
  intent: Intent;
  /** The opening the body starts from; its subjects fit the body. */
  opening: Opening;
  tone: Tone;
  urgency: Urgency;
  source: TicketSource;
  target: number;
  createdAt: number;
}

function buildBody(rng: Rng, slots: SlotFiller, plan: BodyPlan, signer: string): string {
  const t = T[plan.intent];
  const fill = (s: string): string => slots.fill(s);

  // Terse tickets: a few words, typical of chat and of quickly filed web forms.
  if (plan.target < 14) {
    let body = fill(rng.pick(t.terse));
    const u = rng.pick(URGENCY_TERSE[plan.urgency]);
    if (u) body = rng.chance(0.5) ? `${u} - ${body}` : `${body}, ${u}`;
    if (plan.tone === 'negative' && rng.chance(0.6)) body += rng.pick(['!!', '. ridiculous', '. again.', ', not happy']);
    if (plan.tone === 'positive' && rng.chance(0.6)) body += rng.pick([', thanks!', ' :) thx', '. thank you']);
    return plan.source === 'chat' || rng.chance(0.5) ? body : capitalize(body);
  }

  const formal = plan.source === 'email' || plan.source === 'web';
  const paragraphs: string[][] = [];
  const first: string[] = [];
  if (plan.urgency === 'critical' && rng.chance(0.6)) first.push(fill(rng.pick(URGENCY_PHRASES.critical)));
  first.push(fill(plan.opening[1]));
  paragraphs.push(first);

  let words = countWords(first.join(' '));
  const details = rng.shuffled(t.details);
  const context = rng.shuffled(CONTEXT);
  const middle: string[] = [];
  const withSteps = t.steps !== undefined && plan.target > 110 && rng.chance(0.7);
  const withLogs = t.logs !== undefined && plan.target > 150 && rng.chance(0.5);
  // Leave room for urgency, tone, ask and sign-off, and for the step and log blocks.
  const budget = plan.target - 25 - (withSteps ? 18 : 0) - (withLogs ? 28 : 0);
  // Mostly intent details, some general context, until the target length is reached.
  let di = 0;
  let ci = 0;
  while (words < budget && (di < details.length || ci < context.length)) {
    const useContext = di >= details.length || (ci < context.length && rng.chance(0.3));
    const s = fill(useContext ? context[ci++]! : details[di++]!);
    middle.push(s);
    words += countWords(s);
  }
  // Long tickets get structure: paragraphs, and sometimes steps or things already tried.
  if (middle.length > 0) {
    const perParagraph = plan.target > 150 ? rng.int(2, 4) : middle.length;
    for (let i = 0; i < middle.length; i += perParagraph) paragraphs.push(middle.slice(i, i + perParagraph));
  }
  if (withSteps && t.steps) {
    const steps = rng.shuffled(t.steps).slice(0, rng.int(3, Math.min(5, t.steps.length)));
    const heading = plan.intent === 'bug_report' ? 'Steps to reproduce:' : "What I've tried so far:";
    const list = steps.map((s, i) => (plan.intent === 'bug_report' ? `${i + 1}. ${fill(s)}` : `- ${fill(s)}`));
    paragraphs.push([`${heading}\n${list.join('\n')}`]);
  }
  if (withLogs && t.logs) {
    let ts = plan.createdAt - rng.int(600, 7200);
    const lines: string[] = [];
    for (let i = rng.int(2, 4); i > 0; i--) {
      ts += rng.int(1, 90);
      lines.push(fill(rng.pick(t.logs).replace('{timestamp}', isoSeconds(ts))));
    }
    paragraphs.push([`${rng.pick(['From our logs:', 'Log excerpt:', 'Here is what we see in the logs:'])}\n${lines.join('\n')}`]);
  }

  const closing: string[] = [];
  if (!(plan.urgency === 'critical' && paragraphs[0]!.length > 1)) {
    if (plan.urgency !== 'medium' || rng.chance(0.4)) closing.push(fill(rng.pick(URGENCY_PHRASES[plan.urgency])));
  }
  if (plan.tone !== 'neutral' && rng.chance(0.85)) closing.push(fill(rng.pick(TONE_PHRASES[plan.tone])));
  closing.push(fill(rng.pick(t.asks)));
  if (plan.target > 90 && rng.chance(0.5)) closing.push(fill(rng.pick(CLOSING_EXTRA)));
  paragraphs.push(closing);

  let text = paragraphs.map((p) => p.join(' ')).join(plan.target > 70 || rng.chance(0.3) ? '\n\n' : ' ');
  if (formal && rng.chance(0.75)) text = `${rng.pick(GREETINGS)}\n\n${text}`;
  if (formal && rng.chance(0.7)) text = `${text}\n\n${rng.pick(SIGNOFFS)}\n${signer}`;
  if (plan.source === 'phone') text = `${rng.pick(['Call notes:', 'Voicemail transcript:', 'Phone call summary (customer words):'])} ${text}`;
  if (plan.source === 'chat' && rng.chance(0.4)) text = text.toLowerCase();
  return text;
}

function buildSubject(rng: Rng, slots: SlotFiller, plan: BodyPlan): string {
  // Terse bodies have no opening sentence, so they get a generic subject of the intent.
  const fitting = plan.target >= 14 && rng.chance(0.7) ? plan.opening[0] : T[plan.intent].subjects;
  let subject = slots.fill(rng.pick(fitting));
  if (plan.urgency === 'critical' && rng.chance(0.5)) subject = `${rng.pick(['URGENT:', 'URGENT -', '[Critical]', 'Outage:'])} ${subject}`;
  else if (plan.urgency === 'high' && rng.chance(0.2)) subject = `${subject} (urgent)`;
  if (rng.chance(0.08)) subject = `Re: ${subject}`;
  if (plan.source === 'chat' && rng.chance(0.5)) subject = `Chat with ${rng.pick(FIRST_NAMES)}`;
  if (plan.source === 'phone' && rng.chance(0.5)) subject = `Phone call: ${subject}`;
  return subject;
}

const ADJACENT: Readonly<Record<Urgency, readonly Urgency[]>> = {
  critical: ['high'],
  high: ['critical', 'medium'],
  medium: ['high', 'low'],
  low: ['medium'],
};

/**
 * Creates a deterministic ticket stream. Tickets from one generator have distinct ticket_ids
 * (a bijective mix of the seed and a counter) and non-decreasing created_at.
 */
export function createTicketGenerator(seed: number, options: TicketGeneratorOptions = {}): TicketGenerator {
  if (!Number.isFinite(seed)) throw new TypeError(`seed must be a finite number, got ${seed}`);
  const rng = new Rng(fmix32(Math.trunc(seed) ^ 0x9e3779b9));
  const idBase = fmix32(Math.trunc(seed) + 0x7f4a7c15);
  const meanGap = options.meanGapSeconds ?? 97;
  const customers = options.customers ?? 2500;
  let now = Math.trunc(options.startTime ?? 1717200000);
  let count = 0;

  const next = (): GeneratedTicket => {
    const index = count++;
    now += Math.round(-Math.log(1 - rng.uniform()) * meanGap);
    const intent = rng.weighted(PROBABILITY_INTENT);
    const tone = rng.weighted(TONE_BY_INTENT[intent]);
    const urgency = rng.weighted(URGENCY_BY_INTENT[intent]);
    const source = rng.weighted(SOURCES);
    let target = targetWords(rng);
    if (source === 'chat') target = Math.max(5, Math.round(target * 0.6));

    // Skewed customer pool: a few customers file many tickets.
    const customerIndex = Math.floor(customers * rng.uniform() ** 2);
    const customerRng = new Rng(fmix32(customerIndex + 0x1234567));
    const signature = { name: customerRng.pick(FIRST_NAMES), company: customerRng.pick(COMPANIES) };
    const slots = new SlotFiller(rng, intent, now, signature);
    const plan: BodyPlan = { intent, opening: rng.pick(T[intent].openings), tone, urgency, source, target, createdAt: now };

    const subject = buildSubject(rng, slots, plan);
    const body = buildBody(rng, slots, plan, signature.name);

    const tags: string[] = [];
    if (rng.chance(0.55)) tags.push(rng.pick(T[intent].tags));
    if (rng.chance(0.25)) tags.push(`plan:${customerRng.pick(PLANS).toLowerCase()}`);
    if (rng.chance(0.05)) tags.push('vip');
    if (source === 'phone' && rng.chance(0.5)) tags.push('callback-requested');
    if (rng.chance(0.1)) tags.push('mobile');

    // Explicit priorities (~20%) mostly agree with the text, as when an agent triages a ticket.
    const priority: Urgency | undefined = rng.chance(0.2)
      ? rng.chance(0.8)
        ? urgency
        : rng.pick(ADJACENT[urgency])
      : undefined;

    const ticket: GeneratedRawTicket = {
      ticket_id: `TKT-${fmix32((idBase + index) >>> 0).toString(16).padStart(8, '0')}`,
      subject,
      body,
      ...(priority ? { priority } : {}),
      created_at: now,
      customer_id: `CUST-${String(customerIndex + 1).padStart(6, '0')}`,
      metadata: { source, language: 'en', tags: [...new Set(tags)] },
    };
    return { ticket, truth: { intent, tone, urgencyHint: urgency, bodyWords: countWords(body) } };
  };

  return {
    next,
    take(n: number): GeneratedTicket[] {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`count must be a non-negative integer, got ${n}`);
      return Array.from({ length: n }, next);
    },
    get count() {
      return count;
    },
    *[Symbol.iterator]() {
      for (;;) yield next();
    },
  };
}
