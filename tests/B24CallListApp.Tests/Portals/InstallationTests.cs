using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using B24CallListApp.Data;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace B24CallListApp.Tests.Portals;

public sealed class InstallationTests(AppFixture app) : IClassFixture<AppFixture>
{
    Task<PortalRecord?> StoredAsync(string memberId) => app.StoredPortalAsync(memberId);

    /// <summary>Every column of the portal's row and of each account row, to compare before and after.</summary>
    static string Snapshot(PortalRecord portal) => AppFixture.Snapshot(portal);

    Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields) =>
        app.Http.PostAsync(new Uri(app.AppUrl, path), new FormUrlEncodedContent(fields));

    static Dictionary<string, string> OpenFields(EmulatedPortal portal, EmulatedUser user, string? serverEndpoint = null, string? memberId = null) => new()
    {
        ["AUTH_ID"] = user.AccessToken,
        ["AUTH_EXPIRES"] = "3600",
        ["REFRESH_ID"] = user.RefreshToken,
        ["SERVER_ENDPOINT"] = serverEndpoint ?? portal.OAuthServer + "rest/",
        ["member_id"] = memberId ?? portal.MemberId,
        ["status"] = "L",
        ["PLACEMENT"] = "DEFAULT",
        ["PLACEMENT_OPTIONS"] = "{}",
    };

    [Fact]
    public async Task Install_by_page_stores_the_portal_binds_placements_and_frames_only_for_that_portal()
    {
        var portal = await app.InstalledPortalAsync();

        var stored = await StoredAsync(portal.MemberId);
        Assert.NotNull(stored);
        Assert.Equal(PortalStatus.Installing, stored.Status);
        Assert.Equal(portal.ClientEndpoint, stored.ClientEndpoint);
        var admin = Assert.Single(stored.Accounts);
        Assert.True(admin.Admin);

        var state = await app.Control.GetPortalAsync(portal);
        Assert.Equal(["CRM_CONTACT_LIST_MENU", "CRM_COMPANY_LIST_MENU"], state.Placements.Select(p => p.Placement));

        var open = await app.Control.OpenAsync(portal, new(UserId: 2, Lang: "ru"));
        Assert.Equal(200, open.Status);
        Assert.Contains($"frame-ancestors http://{portal.Domain}", open.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("Maria Petrova", open.Body, StringComparison.Ordinal);
        Assert.Contains("Списки обзвона", open.Body, StringComparison.Ordinal);
        Assert.Equal(2, (await StoredAsync(portal.MemberId))!.Accounts.Count);
        Assert.Equal(PortalStatus.Active, (await StoredAsync(portal.MemberId))!.Status);

        // Reinstalling a working portal keeps it working.
        await app.Control.InstallAsync(portal, new());
        Assert.Equal(PortalStatus.Active, (await StoredAsync(portal.MemberId))!.Status);
    }

    [Fact]
    public async Task Reinstall_and_a_repeated_install_event_are_idempotent()
    {
        var portal = await app.InstalledPortalAsync();
        await app.Control.InstallAsync(portal, new());
        var first = await app.Control.SendEventAsync(portal, new(Event: "ONAPPINSTALL"));
        var second = await app.Control.SendEventAsync(portal, new(Event: "ONAPPINSTALL"));
        Assert.Equal((200, 200), (first.Status, second.Status));

        var stored = await StoredAsync(portal.MemberId);
        Assert.Single(stored!.Accounts);
        Assert.Equal(2, (await app.Control.GetPortalAsync(portal)).Placements.Count);
    }

    [Fact]
    public async Task Install_by_event_alone_is_enough()
    {
        var portal = await app.Control.CreatePortalAsync(app: new() { EventHandlerUrl = app.AppUrl + "install" });
        var answer = await app.Control.SendEventAsync(portal, new(Event: "ONAPPINSTALL"));
        Assert.Equal(200, answer.Status);
        var stored = (await StoredAsync(portal.MemberId))!;
        Assert.Equal(PortalStatus.Active, stored.Status);

        // The tokens the event brought work for a call as that user.
        var profile = await app.Factory.Services.GetRequiredService<B24CallListApp.Bitrix24.Bitrix24Client>().CallAsync(B24CallListApp.Portals.PortalStore.AccountOf(stored, 1), "profile", null);
        Assert.True(profile.Result.GetProperty("ADMIN").GetBoolean());
        // And the event's application token is the one an uninstall must bring.
        var forged = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", ApplicationToken: "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", Uninstall: false));
        Assert.Equal(401, forged.Status);
        var genuine = await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", Clean: true));
        Assert.Equal(200, genuine.Status);
        Assert.Null(await StoredAsync(portal.MemberId));
    }

    [Fact]
    public async Task Forged_installs_and_opens_are_refused_and_change_nothing()
    {
        var victim = await app.InstalledPortalAsync();
        var attacker = await app.Control.CreatePortalAsync();
        var before = await StoredAsync(victim.MemberId);

        // The attacker's genuine token, but the victim's member_id and domain.
        var forged = OpenFields(attacker, attacker.Admin, memberId: victim.MemberId);
        var response = await PostFormAsync($"install?DOMAIN={victim.Domain}&LANG=en", forged);
        Assert.Equal(403, (int)response.StatusCode);

        // A made-up token.
        var invented = OpenFields(victim, victim.Admin);
        invented["AUTH_ID"] = "0123456789abcdef";
        response = await PostFormAsync($"install?DOMAIN={victim.Domain}", invented);
        Assert.Equal(403, (int)response.StatusCode);

        // A genuine token with a domain that is not the portal's.
        response = await PostFormAsync("install?DOMAIN=evil.example", OpenFields(victim, victim.Admin));
        Assert.Equal(403, (int)response.StatusCode);

        // An OAuth server we do not trust is never asked.
        var oauthCalls = (await app.Control.OAuthRequestsAsync()).Count;
        response = await PostFormAsync($"install?DOMAIN={victim.Domain}", OpenFields(victim, victim.Admin, serverEndpoint: "http://127.0.0.1:9/rest/"));
        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal(oauthCalls, (await app.Control.OAuthRequestsAsync()).Count);

        // The same forgeries on the app page.
        response = await PostFormAsync($"?DOMAIN={victim.Domain}", forged);
        Assert.Equal(403, (int)response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.Contains("data-message=\"VerificationFailed\"", body, StringComparison.Ordinal);
        // The refusal is shown in the frame of the portal the request claims, and nowhere else.
        Assert.EndsWith($"frame-ancestors https://{victim.Domain}", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        Assert.Equal(Snapshot(before!), Snapshot((await StoredAsync(victim.MemberId))!));
        Assert.Null(await StoredAsync(attacker.MemberId));
    }

    [Fact]
    public async Task Uninstall_needs_the_application_token_and_clean_deletes_everything()
    {
        var kept = await app.InstalledPortalAsync();
        // A forged uninstall: the portal still has the app, the application token is a guess.
        var wrong = await app.Control.SendEventAsync(kept, new(Event: "ONAPPUNINSTALL", ApplicationToken: "guessed0guessed0guessed0guessed00", Clean: true, Uninstall: false));
        Assert.Equal(401, wrong.Status);
        Assert.NotNull(await StoredAsync(kept.MemberId));

        var soft = await app.Control.SendEventAsync(kept, new(Event: "ONAPPUNINSTALL", Clean: false));
        Assert.Equal(200, soft.Status);
        var stored = await StoredAsync(kept.MemberId);
        Assert.Equal(PortalStatus.Uninstalled, stored!.Status);
        Assert.Empty(stored.Accounts);

        // The portal revoked the app's tokens: an open with one is refused.
        var open = await app.Control.OpenAsync(kept, new(UserId: 1));
        Assert.Equal(403, open.Status);

        // The portal has the app again, but the app never heard of it: it says the app was removed.
        await app.Control.UpdateAppAsync(kept, new() { Uninstalled = false });
        open = await app.Control.OpenAsync(kept, new(UserId: 1));
        Assert.Equal(404, open.Status);
        Assert.Contains("data-message=\"Uninstalled\"", open.Body, StringComparison.Ordinal);

        var cleaned = await app.InstalledPortalAsync();
        var clean = await app.Control.SendEventAsync(cleaned, new(Event: "ONAPPUNINSTALL", Clean: true));
        Assert.Equal(200, clean.Status);
        Assert.Null(await StoredAsync(cleaned.MemberId));

        // An unknown portal is a no-op, answered exactly as a wrong application token: nothing tells an outsider which portals use the app.
        var unknown = await PostFormAsync("events", new() { ["event"] = "ONAPPUNINSTALL", ["auth[member_id]"] = "0000", ["auth[application_token]"] = "guessed0guessed0guessed0guessed00" });
        Assert.Equal((wrong.Status, wrong.Body), ((int)unknown.StatusCode, await unknown.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Page_sessions_belong_to_one_portal_and_user_and_cannot_be_forged()
    {
        var a = await app.InstalledPortalAsync();
        var b = await app.InstalledPortalAsync();
        var sessionA = await SessionAsync(a, 2);
        var sessionB = await SessionAsync(b, 1);

        var me = await MeAsync(sessionA);
        Assert.Equal(200, me.Status);
        Assert.Equal((a.MemberId, 2L), ((string)me.Body!["memberId"]!, (long)me.Body["userId"]!));
        Assert.Equal(b.MemberId, (string)(await MeAsync(sessionB)).Body!["memberId"]!);

        var tampered = sessionA[..^4] + (sessionA[^4] == 'A' ? "B" : "A") + sessionA[^3..];
        Assert.Equal(401, (await MeAsync(tampered)).Status);
        Assert.Equal(401, (await MeAsync(null)).Status);
        Assert.Equal(401, (await MeAsync("not-a-session")).Status);

        // Lists come from the session's own portal, read with the session user's rights.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, "api/calllists"));
        request.Headers.Add("X-B24-Session", sessionA);
        using var response = await app.Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        var log = await app.Control.RequestsAsync(a);
        Assert.Contains(log, r => r.Method == "crm.calllist.list" && r.UserId == 2);
        Assert.DoesNotContain(await app.Control.RequestsAsync(b), r => r.Method == "crm.calllist.list" && r.UserId == 2);
    }

    [Fact]
    public async Task A_page_session_expires_after_an_hour()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var instance = app.CreateApp(services: s => s.AddSingleton<TimeProvider>(clock));
        var appUrl = AppFixture.AddressOf(instance);
        var portal = await app.InstalledPortalAsync();
        var session = await SessionAsync(portal, 2, appUrl);

        Assert.Equal(200, (await MeAsync(session, appUrl)).Status);
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(200, (await MeAsync(session, appUrl)).Status);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(401, (await MeAsync(session, appUrl)).Status);
    }

    Task<string> SessionAsync(EmulatedPortal portal, int userId, Uri? appUrl = null) => app.OpenSessionAsync(portal, userId, appUrl);

    async Task<(int Status, JsonObject? Body)> MeAsync(string? session, Uri? appUrl = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(appUrl ?? app.AppUrl, "api/me"));
        if (session is not null)
        {
            request.Headers.Add("X-B24-Session", session);
        }

        using var response = await app.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonObject>());
    }

    [Theory]
    [InlineData("application/json", "{\"AUTH_ID\":\"x\"}")]
    [InlineData("application/x-www-form-urlencoded", "AUTH_ID=&member_id=")]
    [InlineData("application/x-www-form-urlencoded", "PLACEMENT_OPTIONS=%7Bbroken&AUTH_ID=x&member_id=y")]
    [InlineData("text/plain", "hello")]
    public async Task Malformed_opens_and_installs_get_a_clear_4xx(string contentType, string body)
    {
        foreach (var path in new[] { "", "install", "events" })
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            using var response = await app.Http.PostAsync(new Uri(app.AppUrl, path + "?DOMAIN=x&LANG=en"), content);
            Assert.InRange((int)response.StatusCode, 400, 499);
            Assert.DoesNotContain("Exception", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task No_token_the_emulator_issued_is_stored_in_clear_text()
    {
        var portal = await app.InstalledPortalAsync();
        await app.Control.OpenAsync(portal, new(UserId: 2));
        var bytes = app.DatabaseBytes();
        Assert.NotEmpty(bytes);
        var text = Encoding.Latin1.GetString(bytes);

        var secrets = new List<string> { portal.ApplicationToken };
        foreach (var account in (await StoredAsync(portal.MemberId))!.Accounts)
        {
            var token = await app.Factory.Services.GetRequiredService<B24CallListApp.Bitrix24.IBitrix24TokenStore>().GetAsync(new(portal.MemberId, account.UserId), default);
            secrets.Add(token!.AccessToken);
            secrets.Add(token.RefreshToken);
        }

        // Not as text, not as UTF-16, not base64-encoded (in either encoding).
        var utf16 = Encoding.Unicode.GetString(bytes.Length % 2 == 0 ? bytes : bytes[..^1]);
        var utf16Shifted = Encoding.Unicode.GetString(bytes[1..(bytes.Length - ((bytes.Length - 1) % 2))]);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, utf16, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, utf16Shifted, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)).TrimEnd('='), text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.Unicode.GetBytes(secret)).TrimEnd('='), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task No_log_line_carries_a_token()
    {
        var client = app.Factory.Services.GetRequiredService<B24CallListApp.Bitrix24.Bitrix24Client>();
        var store = app.Factory.Services.GetRequiredService<B24CallListApp.Bitrix24.IBitrix24TokenStore>();
        var portal = await app.InstalledPortalAsync();
        await app.Control.OpenAsync(portal, new(UserId: 2));
        var opened = (await store.GetAsync(new(portal.MemberId, 2), default))!;
        await app.Control.ExpireAsync(opened.AccessToken);
        var account = B24CallListApp.Portals.PortalStore.AccountOf((await StoredAsync(portal.MemberId))!, 2);
        await client.CallAsync(account, "profile", null);

        // The failure paths too: a refused refresh, a portal that must pay, a deleted portal, an uninstall.
        var dead = await app.InstalledPortalAsync();
        var deadSession = await SessionAsync(dead, 1);
        var deadTokens = (await store.GetAsync(new(dead.MemberId, 1), default))!;
        await app.Control.RefreshAsync(deadTokens.RefreshToken);
        await app.Control.ExpireAsync(deadTokens.AccessToken);
        using (var lists = new HttpRequestMessage(HttpMethod.Get, new Uri(app.AppUrl, "api/calllists")))
        {
            lists.Headers.Add("X-B24-Session", deadSession);
            Assert.Equal(401, (int)(await app.Http.SendAsync(lists)).StatusCode);
        }

        var unpaid = await app.InstalledPortalAsync();
        await app.Control.UpdateAppAsync(unpaid, new() { PaymentRequired = true });
        Assert.Equal(402, (await app.Control.OpenAsync(unpaid, new(UserId: 1))).Status);
        var deleted = await app.InstalledPortalAsync();
        await app.Control.DeleteAsync(deleted);
        var deletedAccount = B24CallListApp.Portals.PortalStore.AccountOf((await StoredAsync(deleted.MemberId))!, 1);
        await Assert.ThrowsAsync<B24CallListApp.Bitrix24.Bitrix24PortalDeletedException>(() => client.CallAsync(deletedAccount, "profile", null));
        await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL"));

        // Every token the emulated cloud ever issued in this class's run, every application token, the client secret.
        var issued = await app.Control.SecretsAsync();
        var secrets = issued.Tokens.Concat(issued.ApplicationTokens).Concat(issued.ClientSecrets).ToList();
        Assert.True(secrets.Count > 20);
        var lines = app.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("Refreshed the tokens", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("stopped working (invalid_grant)", StringComparison.Ordinal));
        // The HTTP client's own request logs are captured too: app.info takes the token in its query string.
        Assert.Contains(lines, l => l.Contains("rest/app.info", StringComparison.Ordinal));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Healthz_answers_when_the_database_does_and_503_when_it_is_gone()
    {
        Assert.Equal(200, (await Health.WaitForAsync(app.Http, new Uri(app.AppUrl, "healthz"), a => a.Status == 200)).Status);

        var folder = Directory.CreateTempSubdirectory("b24-health-");
        await using var instance = app.CreateApp(settings: new Dictionary<string, string?> { ["ConnectionStrings:Default"] = $"Data Source={Path.Combine(folder.FullName, "app.db")}" });
        // A new instance answers 503 "warming up" for its first moment, then 200.
        var healthy = await Health.WaitForAsync(app.Http, new Uri(AppFixture.AddressOf(instance), "healthz"), a => a.Status == 200);
        Assert.Equal((200, "Healthy"), (healthy.Status, (string)healthy.Body["checks"]!["warm-up"]!["status"]!));

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        folder.Delete(recursive: true);
        var broken = await Health.WaitForAsync(app.Http, new Uri(AppFixture.AddressOf(instance), "healthz"), a => a.Status == 503);
        Assert.Equal((503, "Unhealthy"), (broken.Status, (string)broken.Body["checks"]!["database"]!["status"]!));
    }

    [Fact]
    public async Task A_page_session_of_an_uninstalled_portal_is_refused()
    {
        var portal = await app.InstalledPortalAsync();
        var session = await SessionAsync(portal, 2);
        Assert.Equal(200, (await MeAsync(session)).Status);

        await app.Control.SendEventAsync(portal, new(Event: "ONAPPUNINSTALL", Clean: false));

        var (status, body) = await MeAsync(session);
        Assert.Equal(404, status);
        Assert.Equal("Uninstalled", (string)body!["code"]!);
        using var page = await app.Http.PostAsync(new Uri(app.AppUrl, "lists/1"), new FormUrlEncodedContent([new("__session", session)]));
        Assert.Equal(404, (int)page.StatusCode);
        Assert.Contains("data-message=\"Uninstalled\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
