import type { TaxonomyInput } from './taxonomy-schema.js';

/**
 * The built-in taxonomy: the nine intents of the Python system plus general_inquiry, and the four
 * urgency levels. Keywords are the rule path (whole words or phrases, case-insensitive); examples
 * give each label its centroid in embedding space. Replace it with `taxonomy: 'file.yaml'`.
 */
export const DEFAULT_TAXONOMY: TaxonomyInput = {
  version: 1,
  intents: {
    fallback: 'general_inquiry',
    scoring: { method: 'hybrid', threshold: 0.35, ruleWeight: 0.5, temperature: 0.05 },
    labels: [
      {
        name: 'login_issue',
        description: 'Cannot sign in: passwords, password resets, SSO, two-factor authentication, locked accounts.',
        keywords: ['login', 'log in', 'logged out', 'sign in', 'signin', 'password', 'reset link', 'locked out', 'account locked', '2fa', 'two-factor', 'mfa', 'sso', 'single sign-on', 'credentials', 'authenticator'],
        examples: [
          "I can't log in. It says my password is invalid even after I reset it.",
          'Our team cannot sign in through SSO since this morning.',
          'My two-factor code is rejected every time and I am locked out of my account.',
          'The password reset email never arrives.',
        ],
      },
      {
        name: 'payment_issue',
        description: 'Charges, invoices, refunds, declined cards and billing questions.',
        keywords: ['invoice', 'billing', 'billed', 'charge', 'charged', 'refund', 'payment', 'credit card', 'card declined', 'declined', 'receipt', 'vat', 'overcharged', 'subscription fee', 'price'],
        examples: [
          'I was charged twice for my subscription this month. Please refund one of the charges.',
          'Our card keeps getting declined when we try to renew.',
          'The invoice shows the wrong amount after we downgraded our plan.',
          'There is a charge on our company card that nobody recognizes.',
        ],
      },
      {
        name: 'bug_report',
        description: 'Something in the product behaves wrongly: errors, crashes, wrong results, broken pages.',
        keywords: ['bug', 'error', 'crash', 'crashes', 'broken', 'exception', 'blank page', 'does not work', "doesn't work", 'not working', 'wrong results', 'glitch', 'stack trace'],
        examples: [
          'When I click save I get an error and my changes are lost.',
          'Since the last update the dashboard shows a blank page.',
          'The mobile app crashes every time I open the reports page.',
          'The totals in the report do not match the records.',
        ],
      },
      {
        name: 'feature_request',
        description: 'Asking for new functionality or a change in how the product works.',
        keywords: ['feature request', 'would be great', 'would love', 'it would be nice', 'please add', 'add support', 'suggestion', 'wishlist', 'roadmap', 'could you add', 'ability to', 'enhancement'],
        examples: [
          'It would be great if we could export reports to PDF.',
          'Please add dark mode to the mobile app.',
          'Could you add the ability to schedule reports weekly?',
          'Is a Slack integration on your roadmap?',
        ],
      },
      {
        name: 'account_management',
        description: 'Users, seats, roles, plans and account settings: adding, removing, upgrading, cancelling.',
        keywords: ['add user', 'remove user', 'seat', 'seats', 'role', 'permissions', 'admin rights', 'upgrade', 'downgrade', 'cancel my account', 'close my account', 'change owner', 'transfer ownership', 'change my email', 'workspace', 'invite'],
        examples: [
          'How do I add three more users to our workspace?',
          'Please transfer ownership of the account to my colleague.',
          'We want to upgrade to the Enterprise plan.',
          'I need to change the email address on my account.',
        ],
      },
      {
        name: 'performance_issue',
        description: 'Slowness, timeouts, latency and outages.',
        keywords: ['slow', 'slowly', 'sluggish', 'timeout', 'timed out', 'time out', 'latency', 'lag', 'takes forever', 'loading forever', 'performance', 'unresponsive', 'hangs', '504', '503'],
        examples: [
          'The dashboard takes more than a minute to load.',
          'Reports time out before they finish.',
          'Everything has been very slow since yesterday afternoon.',
          'The API responds with 504 timeouts under normal load.',
        ],
      },
      {
        name: 'security_concern',
        description: 'Suspicious activity, breaches, phishing, vulnerabilities and security questions.',
        keywords: ['security', 'suspicious', 'hacked', 'compromised', 'breach', 'phishing', 'unauthorized', 'vulnerability', 'malware', 'leak', 'leaked', 'unknown device', 'unrecognized login', 'penetration test', 'soc 2', 'encryption'],
        examples: [
          'I see logins to my account from a country I have never been to.',
          'We received a phishing email pretending to be from you.',
          'I think our account has been compromised.',
          'We found a vulnerability in your login page and want to report it.',
        ],
      },
      {
        name: 'data_request',
        description: 'Exports, data copies, deletion and privacy requests (GDPR, CCPA).',
        keywords: ['export', 'export my data', 'data export', 'download all', 'copy of my data', 'gdpr', 'ccpa', 'delete my data', 'data deletion', 'personal data', 'backup', 'data retention', 'subject access request'],
        examples: [
          'Please send me a copy of all the personal data you hold about me.',
          'How can we export all our records as CSV?',
          'Under GDPR I request deletion of my account and data.',
          'We need a full backup of our workspace before we migrate.',
        ],
      },
      {
        name: 'integration_help',
        description: 'Connecting other tools: APIs, webhooks, OAuth, Zapier, Salesforce, Slack and similar.',
        keywords: ['api', 'integration', 'integrate', 'webhook', 'webhooks', 'oauth', 'api key', 'endpoint', 'zapier', 'salesforce', 'slack', 'hubspot', 'sdk', 'rate limit', 'sync with'],
        examples: [
          'Our webhook endpoint never receives any events.',
          'The Salesforce integration stopped syncing contacts.',
          'The API returns 401 even with a new API key.',
          'How do I connect your app to Zapier?',
        ],
      },
      {
        name: 'general_inquiry',
        description: 'Questions and messages that fit no other intent.',
        keywords: ['question', 'wondering', 'information', 'how does', 'do you offer', 'thank you', 'thanks', 'feedback'],
        examples: [
          'I have a general question about your product.',
          'Do you offer discounts for non-profits?',
          'Just wanted to say thank you for the great support.',
          'Where can I find your documentation?',
        ],
      },
    ],
  },
  urgency: {
    fallback: 'medium',
    scoring: { method: 'hybrid', threshold: 0.4, ruleWeight: 0.6, temperature: 0.05 },
    labels: [
      {
        name: 'critical',
        description: 'Production down, data loss, security incidents, everyone blocked.',
        keywords: ['production is down', 'production down', 'outage', 'down for everyone', 'all users', 'data loss', 'lost data', 'critical', 'emergency', 'security incident', 'breach', 'completely down', 'p1', 'sev1'],
        examples: [
          'Production is down and none of our customers can use the service.',
          'We are losing data right now, please help immediately.',
          'Our account has been breached and someone is deleting records.',
        ],
      },
      {
        name: 'high',
        description: 'Blocked work or money at stake, needs attention today.',
        keywords: ['urgent', 'urgently', 'asap', 'as soon as possible', 'immediately', 'blocked', 'blocking', 'cannot work', 'deadline', 'today', 'right away', 'high priority'],
        examples: [
          'This is urgent, our whole team is blocked until it is fixed.',
          'We have a deadline today and cannot send invoices.',
          'Please help as soon as possible, I cannot work.',
        ],
      },
      {
        name: 'medium',
        description: 'A normal problem or request with a workaround or no deadline.',
        keywords: ['when possible', 'workaround', 'some users', 'sometimes', 'intermittent'],
        examples: [
          'The export sometimes fails, but it works on the second try.',
          'A few of our users see this problem.',
          'Could you look into this when you have time this week?',
        ],
      },
      {
        name: 'low',
        description: 'Questions, suggestions and cosmetic issues with no time pressure.',
        keywords: ['no rush', 'no hurry', 'whenever', 'when you get a chance', 'not urgent', 'minor', 'cosmetic', 'typo', 'just curious', 'low priority', 'nice to have'],
        examples: [
          'No rush, but there is a typo on the settings page.',
          'Just curious whether this is on your roadmap.',
          'Whenever you get a chance, could you tell me how this works?',
        ],
      },
    ],
  },
};
