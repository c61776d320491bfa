import { strict as assert } from "node:assert";
import { inspect } from "node:util";
import { Secret } from "../../provider/shared/secret";
import { DEFAULT_ENDPOINT, isLoopbackHost, resolveSettings } from "../../provider/settings/settings";
import { SettingsError } from "../../provider/shared/errors";

function config(values: Record<string, string>): { get(key: string): string | undefined } {
  return { get: (key) => values[key] };
}

describe("provider settings", () => {
  it("defaults to the public Partner Center endpoint and no token", () => {
    const settings = resolveSettings(config({}), {});
    assert.equal(settings.endpoint, DEFAULT_ENDPOINT);
    assert.equal(settings.credentials.accessToken, undefined);
  });

  it("takes stack config before the environment", () => {
    const settings = resolveSettings(
      config({ "partnercenter:endpoint": "https://pc.example.com/", "partnercenter:accessToken": "from-config" }),
      { PARTNERCENTER_ENDPOINT: "https://env.example.com", PARTNERCENTER_ACCESS_TOKEN: "from-env" },
    );
    assert.equal(settings.endpoint, "https://pc.example.com");
    assert.equal(settings.credentials.accessToken?.value.reveal(), "from-config");
  });

  it("falls back to the environment, also when the host's config cannot be read", () => {
    const throwing = {
      get: (): string => {
        throw new TypeError("no config");
      },
    };
    const settings = resolveSettings(throwing, {
      PARTNERCENTER_ENDPOINT: "http://127.0.0.1:8787",
      PARTNERCENTER_ACCESS_TOKEN: "t",
    });
    assert.equal(settings.endpoint, "http://127.0.0.1:8787");
    assert.equal(settings.credentials.accessToken?.value.reveal(), "t");
  });

  it("accepts plain http only for loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "localhost", "[::1]"]) assert.ok(isLoopbackHost(host), host);
    for (const host of ["10.0.0.1", "example.com", "localhost.example.com", "[::2]", "128.0.0.1"])
      assert.ok(!isLoopbackHost(host), host);
    assert.throws(
      () => resolveSettings(config({}), { PARTNERCENTER_ENDPOINT: "http://10.0.0.1:8787" }),
      (error: Error) =>
        error instanceof SettingsError &&
        /environment variable PARTNERCENTER_ENDPOINT: "http:\/\/10.0.0.1:8787" uses plain http/.test(error.message),
    );
  });

  it("names the setting and the fix for an endpoint that is not an http(s) URL", () => {
    assert.throws(
      () => resolveSettings(config({ "partnercenter:endpoint": "api.partnercenter.microsoft.com" }), {}),
      /stack config partnercenter:endpoint: "api.partnercenter.microsoft.com" is not a URL; use e.g. https:\/\/api.partnercenter.microsoft.com/,
    );
    assert.throws(
      () => resolveSettings(config({ "partnercenter:endpoint": "ftp://x.example.com" }), {}),
      /is not an http\(s\) URL/,
    );
    assert.throws(
      () => resolveSettings(config({ "partnercenter:endpoint": "https://u:p@x.example.com" }), {}),
      /must be the API's base URL only/,
    );
  });

  it("refuses a token with white space without echoing it", () => {
    assert.throws(
      () => resolveSettings(config({ "partnercenter:accessToken": "Bearer secret-value" }), {}),
      (error: Error) =>
        /stack config partnercenter:accessToken: the access token contains white space/.test(error.message) &&
        !error.message.includes("secret-value"),
    );
  });

  it("a Secret never prints its value", () => {
    const secret = new Secret("s3cr3t");
    const shown = [
      String(secret),
      `${secret}`,
      JSON.stringify({ secret }),
      inspect(secret),
      inspect({ nested: { secret } }),
    ].join(" ");
    assert.ok(!shown.includes("s3cr3t"), shown);
    assert.equal(secret.reveal(), "s3cr3t");
  });
});
