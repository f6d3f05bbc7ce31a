import { describe, expect, it } from "vitest";
import type { TemplateContent, TemplateVersion } from "../../model/index.ts";
import {
  checkTemplate,
  renderMessage,
  SendVariablesError,
  sharedVariablesOf,
  type TemplateVariables,
  templateVariablesOf,
} from "../../templates/index.ts";

let nextTemplate = 0;
function version(content: TemplateContent): TemplateVersion {
  nextTemplate += 1;
  return {
    templateId: `tpl-${nextTemplate}`,
    version: 1,
    name: "welcome",
    category: "MARKETING",
    content,
    createdAt: "2026-03-01T12:00:00.000Z",
  };
}

const email = (parts: { subject?: string; html?: string; text?: string }): TemplateContent => ({
  channel: "EMAIL",
  email: { subject: parts.subject ?? "Hello", html: parts.html, text: parts.text },
});

const ana = { customerId: "c-1", email: "ana@example.com", firstName: "Ana", attributes: { plan: "gold" } };
const variables: TemplateVariables = { customer: ana, data: { orderId: "o-7", total: 42 } };

describe("checkTemplate", () => {
  it("accepts content whose every field parses", () => {
    expect(checkTemplate(email({ subject: "Hi {{ customer.firstName }}", html: "<p>{{ data.orderId }}</p>" }))).toEqual(
      [],
    );
  });

  it("names the field, line and column of what does not parse", () => {
    const problems = checkTemplate(email({ subject: "ok", text: "line one\n  and {% if x %} never closed" }));
    expect(problems).toEqual([{ field: "email.text", line: 2, column: 7, message: "tag {% if x %} not closed" }]);
  });

  it("refuses an unknown filter", () => {
    const problems = checkTemplate(email({ html: "<p>{{ customer.firstName | shout }}</p>" }));
    expect(problems).toEqual([{ field: "email.html", line: 1, column: 4, message: "undefined filter: shout" }]);
  });

  it("checks every Liquid field of every channel, and only those", () => {
    const broken = "{{ x ";
    expect(
      checkTemplate({
        channel: "PUSH",
        push: { title: broken, body: "fine", imageUrl: broken, deepLink: broken, data: { a: "ok", b: broken } },
      }).map((problem) => problem.field),
    ).toEqual(["push.title", "push.imageUrl", "push.deepLink", "push.data.b"]);
    expect(
      checkTemplate({
        channel: "WHATSAPP",
        whatsapp: {
          templateName: "order_ready",
          language: "en",
          bodyParameters: ["ok", broken],
          headerParameters: [broken],
        },
      }).map((problem) => problem.field),
    ).toEqual(["whatsapp.bodyParameters[1]", "whatsapp.headerParameters[0]"]);
    expect(
      checkTemplate({
        channel: "IN_APP",
        inApp: { title: broken, body: broken, imageUrl: broken, payload: { note: broken } },
      }).map((problem) => problem.field),
    ).toEqual(["inApp.title", "inApp.body", "inApp.imageUrl"]);
  });

  it("has no tags that read files", () => {
    expect(checkTemplate(email({ text: "{% include '/etc/passwd' %}" }))[0]?.message).toMatch(/include/);
    expect(checkTemplate(email({ text: "{% render 'x' %}" }))[0]?.message).toMatch(/render/);
  });
});

describe("renderMessage", () => {
  it("renders every Liquid field and keeps the others", () => {
    const result = renderMessage(
      version({
        channel: "PUSH",
        push: {
          title: "Hi {{ customer.firstName }}",
          body: "Order {{ data.orderId }}: {{ data.total }} €",
          data: { plan: "{{ customer.attributes.plan | upcase }}" },
          ttlSeconds: 60,
        },
      }),
      variables,
    );
    expect(result).toEqual({
      ok: true,
      message: {
        channel: "PUSH",
        push: { title: "Hi Ana", body: "Order o-7: 42 €", data: { plan: "GOLD" }, ttlSeconds: 60 },
      },
    });
  });

  it("renders a message to no customer in particular (a topic message) from its campaign, and fails one reading a customer", () => {
    const shared = sharedVariablesOf({ campaign: { id: "cmp-1", name: "Spring sale" } });
    const push = (title: string) =>
      version({ channel: "PUSH", push: { title, body: "Up to 30% off", ttlSeconds: 60 } });
    expect(renderMessage(push("{{ campaign.name }}"), shared)).toEqual({
      ok: true,
      message: { channel: "PUSH", push: { title: "Spring sale", body: "Up to 30% off", ttlSeconds: 60 } },
    });
    expect(renderMessage(push("Hi {{ customer.firstName }}"), shared)).toMatchObject({
      ok: false,
      field: "push.title",
      variable: "customer",
    });
  });

  it("fails naming a variable that does not exist, with its field and place", () => {
    const result = renderMessage(version(email({ subject: "Hi", text: "Dear\n {{ customer.lastName }}" })), variables);
    expect(result).toEqual({
      ok: false,
      field: "email.text",
      variable: "customer.lastName",
      error: "email.text: undefined variable: customer.lastName (line 2, column 5)",
    });
  });

  it("lets `| default:` and `{% if %}` cover a missing variable, but nothing else", () => {
    const covered = renderMessage(
      version(
        email({
          subject: "{{ customer.lastName | default: 'friend' }}",
          text: "{% if customer.lastName %}{{ customer.lastName }}{% else %}none{% endif %}",
        }),
      ),
      variables,
    );
    expect(covered).toMatchObject({ ok: true, message: { email: { subject: "friend", text: "none" } } });
    const inside = renderMessage(
      version(email({ text: "{{ customer.lastName | upcase | default: 'x' }}" })),
      variables,
    );
    expect(inside).toMatchObject({ ok: false, variable: "customer.lastName" });
  });

  it("escapes the email's HTML only", () => {
    const hostile = { ...variables, customer: { ...ana, firstName: "<b>Ana & co</b>" } };
    const result = renderMessage(
      version(
        email({
          subject: "Hi {{ customer.firstName }}",
          html: "<p>{{ customer.firstName }}</p>{{ customer.firstName | raw }}",
          text: "Hi {{ customer.firstName }}",
        }),
      ),
      hostile,
    );
    expect(result).toEqual({
      ok: true,
      message: {
        channel: "EMAIL",
        email: {
          subject: "Hi <b>Ana & co</b>",
          html: "<p>&lt;b&gt;Ana &amp; co&lt;/b&gt;</p><b>Ana & co</b>",
          text: "Hi <b>Ana & co</b>",
        },
      },
    });
  });

  it("stops a hostile loop within its time bound", () => {
    const started = performance.now();
    const result = renderMessage(
      version(
        email({
          text: "{% for i in (1..5000) %}{% for j in (1..5000) %}{% for k in (1..5000) %}x{% endfor %}{% endfor %}{% endfor %}",
        }),
      ),
      variables,
    );
    expect(result).toMatchObject({
      ok: false,
      field: "email.text",
      error: expect.stringMatching(/template render limit exceeded/),
    });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("bounds the whole message's render time, not each field's", () => {
    const loop = (count: number) => `{% for i in (1..${count}) %}x{% endfor %}`;
    const sample = 50_000;
    const sampled = version(email({ text: loop(sample) }));
    renderMessage(sampled, variables);
    const timed = performance.now();
    expect(renderMessage(sampled, variables)).toMatchObject({ ok: true });
    // Fields of about 100 ms each: each well within a field's 500 ms, ten of them over the message's.
    const count = Math.round((sample * 100) / Math.max(1, performance.now() - timed));
    const started = performance.now();
    const result = renderMessage(
      version({
        channel: "WHATSAPP",
        whatsapp: { templateName: "t", language: "en", bodyParameters: Array.from({ length: 10 }, () => loop(count)) },
      }),
      variables,
    );
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/template render limit exceeded/) });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("stops a template that allocates without bound", () => {
    const result = renderMessage(
      version(
        email({
          text: "{% assign s = 'xxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}",
        }),
      ),
      variables,
    );
    expect(result).toMatchObject({
      ok: false,
      field: "email.text",
      error: expect.stringMatching(/memory alloc limit exceeded/),
    });
  });

  it("renders a version from its parsed fields, not from content changed under the same version", () => {
    const pinned = version(email({ text: "Hi {{ customer.firstName }}" }));
    expect(renderMessage(pinned, variables)).toMatchObject({ ok: true, message: { email: { text: "Hi Ana" } } });
    const changed: TemplateVersion = { ...pinned, content: email({ text: "Bye" }) };
    expect(renderMessage(changed, variables)).toMatchObject({ ok: true, message: { email: { text: "Hi Ana" } } });
    expect(renderMessage({ ...changed, version: 2 }, variables)).toMatchObject({ message: { email: { text: "Bye" } } });
  });
});

describe("templateVariablesOf", () => {
  const customer = ana;

  it("takes a send's variables and the unsubscribe link, dropping what a template may not read", () => {
    expect(
      templateVariablesOf(
        customer,
        { data: { code: "X" }, journey: { id: "j-1", name: "Onboarding" }, secret: "no" },
        "https://masivo.example/unsubscribe/t",
      ),
    ).toEqual({
      customer,
      data: { code: "X" },
      journey: { id: "j-1", name: "Onboarding" },
      unsubscribeUrl: "https://masivo.example/unsubscribe/t",
    });
  });

  it("refuses variables of the wrong shape, naming them", () => {
    expect(() => templateVariablesOf(customer, { event: { name: 3 } })).toThrow(SendVariablesError);
    expect(() => templateVariablesOf(customer, { event: { name: 3 } })).toThrow(/event\.name/);
  });
});
