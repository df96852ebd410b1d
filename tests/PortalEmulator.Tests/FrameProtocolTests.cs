using System.Text.Json;
using Microsoft.Playwright;
using TestSupport;

namespace PortalEmulator.Tests;

/// <summary>The emulator and a browser, with an app in the portal's iframe that runs the official frame client.</summary>
public sealed class PortalBrowserFixture : EmulatorFixture
{
    IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public FrameTestApp App { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        App = await FrameTestApp.StartAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(_playwright);
    }

    public override async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await App.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// The portal page's side of the frame protocol, checked with the official frame client
/// (@bitrix24/b24jssdk, unmodified) running in the portal's cross-site iframe: each handler's answer.
/// </summary>
public sealed class FrameProtocolTests(PortalBrowserFixture fixture) : IClassFixture<PortalBrowserFixture>
{
    async Task<(EmulatedPortal Portal, IPage Page, IFrame Frame)> OpenAsync(bool installed = true, int userId = 1, string lang = "en", string query = "")
    {
        var app = fixture.App.Url.ToString();
        var portal = await fixture.Control.CreatePortalAsync(app: new() { HandlerUrl = app, InstallUrl = app + "install", InstallFinished = installed });
        var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"http://{portal.Domain}/?user={userId}&lang={lang}{query}");
        return (portal, page, await FrameAsync(page));
    }

    static async Task<IFrame> FrameAsync(IPage page, int index = 0, string? path = null)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var frames = page.Frames.Where(f => f.Name.Contains('|', StringComparison.Ordinal)).ToList();
            if (frames.Count > index && frames[index].Url.StartsWith("http://localhost", StringComparison.Ordinal) && (path is null || new Uri(frames[index].Url).AbsolutePath == path))
            {
                await frames[index].WaitForFunctionAsync("() => window.frameReady !== undefined");
                return frames[index];
            }

            await page.WaitForTimeoutAsync(100);
        }

        throw new InvalidOperationException("The app frame did not load");
    }

    static Task<JsonElement> RunAsync(IFrame frame, string body) =>
        frame.EvaluateAsync<JsonElement>($"async () => {{ const b24 = await window.frameReady; {body} }}");

    [Fact]
    public async Task The_frame_is_named_domain_protocol_app_sid_and_get_init_data_describes_the_open()
    {
        var (portal, _, frame) = await OpenAsync(installed: true, userId: 2, lang: "ru");

        var name = frame.Name.Split('|');
        Assert.Equal(portal.Domain, name[0]);
        Assert.Equal("0", name[1]);
        Assert.Matches("^[0-9a-f]{32}$", name[2]);
        var init = await RunAsync(frame, """
            const auth = b24.auth.getAuthData();
            return { placement: b24.placement.placement, options: b24.placement.options, lang: b24.getLang(), admin: b24.auth.isAdmin,
              install: b24.isInstallMode, firstRun: b24.isFirstRun, member: auth.member_id, token: auth.access_token, origin: b24.getTargetOrigin() };
            """);
        Assert.Equal("DEFAULT", init.GetProperty("placement").GetString());
        Assert.Equal(JsonValueKind.Object, init.GetProperty("options").ValueKind);
        Assert.Equal("ru", init.GetProperty("lang").GetString());
        Assert.False(init.GetProperty("admin").GetBoolean());
        Assert.False(init.GetProperty("install").GetBoolean());
        Assert.False(init.GetProperty("firstRun").GetBoolean());
        Assert.Equal(portal.MemberId, init.GetProperty("member").GetString());
        Assert.Equal($"http://{portal.Domain}", init.GetProperty("origin").GetString());
        // The token the portal handed over works on the portal's REST, called from the app's origin (CORS).
        var profile = await RunAsync(frame, "const r = await b24.actions.v2.call.make({ method: 'profile' }); return r.getData().result;");
        Assert.Equal("2", profile.GetProperty("ID").GetString());
    }

    [Fact]
    public async Task An_install_runs_in_install_mode_and_set_install_finish_marks_it_installed_and_reopens_the_app()
    {
        var (portal, page, frame) = await OpenAsync(installed: false);
        Assert.EndsWith("/install", new Uri(frame.Url).AbsolutePath, StringComparison.Ordinal);
        var mode = await RunAsync(frame, "return { install: b24.isInstallMode, firstRun: b24.isFirstRun };");
        Assert.True(mode.GetProperty("install").GetBoolean());
        Assert.True(mode.GetProperty("firstRun").GetBoolean());

        await RunAsync(frame, "b24.installFinish(); return null;");

        var reopened = await FrameAsync(page, path: "/");
        await Assertions.Expect(page.Locator("iframe")).ToHaveCountAsync(1);
        Assert.Equal("/", new Uri(reopened.Url).AbsolutePath);
        Assert.True((bool)(await fixture.Control.GetPortalAsync(portal)).App.InstallFinished);
        Assert.False((await RunAsync(reopened, "return b24.isInstallMode;")).GetBoolean());
    }

    [Fact]
    public async Task Refresh_auth_brings_a_new_pair_that_works()
    {
        var (_, _, frame) = await OpenAsync();

        var refreshed = await RunAsync(frame, """
            const before = b24.auth.getAuthData().access_token;
            const after = await b24.auth.refreshAuth();
            const r = await b24.actions.v2.call.make({ method: 'profile' });
            return { changed: before !== after.access_token, id: r.getData().result.ID };
            """);

        Assert.True(refreshed.GetProperty("changed").GetBoolean());
        Assert.Equal("1", refreshed.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Resize_window_sets_the_frame_and_answers_its_size_and_set_title_names_the_page()
    {
        var (_, page, frame) = await OpenAsync();

        var size = await RunAsync(frame, "return await b24.parent.resizeWindow(640, 321);");
        await RunAsync(frame, "return await b24.parent.setTitle('Calling: list 5');");

        Assert.Equal(321, size.GetProperty("height").GetInt32());
        Assert.Equal(640, size.GetProperty("width").GetInt32());
        var frames = await page.EvaluateAsync<JsonElement>("() => window.portalFrames()");
        Assert.Equal(321, frames[0].GetProperty("height").GetInt32());
        await Assertions.Expect(page.Locator("#app-title")).ToHaveTextAsync("Calling: list 5");
        // fitWindow: the full width, as high as the content.
        await RunAsync(frame, "return await b24.parent.fitWindow();");
        Assert.True((await page.EvaluateAsync<JsonElement>("() => window.portalFrames()"))[0].GetProperty("width").GetInt32() > 640);
    }

    [Fact]
    public async Task Select_crm_answers_only_on_save_with_prefixed_ids()
    {
        var (_, page, frame) = await OpenAsync(userId: 1);

        await frame.EvaluateAsync("() => { window.picked = null; window.frameReady.then(b24 => b24.dialog.selectCRM({ entityType: ['contact'], multiple: true })).then(r => window.picked = r); }");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Select from CRM" });
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Checkbox).Nth(0).CheckAsync();
        await dialog.GetByRole(AriaRole.Checkbox).Nth(2).CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await frame.WaitForFunctionAsync("() => window.picked !== null");
        var picked = await frame.EvaluateAsync<JsonElement>("() => window.picked");
        Assert.Equal(["C_1", "C_3"], picked.GetProperty("contact").EnumerateArray().Select(i => i.GetProperty("id").GetString()));

        // Dismissed, the dialog answers nothing at all.
        await frame.EvaluateAsync("() => { window.picked = null; window.frameReady.then(b24 => b24.dialog.selectCRM({ entityType: ['company'], multiple: false })).then(r => window.picked = r); }");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await page.WaitForTimeoutAsync(1000);
        Assert.Equal(JsonValueKind.Null, (await frame.EvaluateAsync<JsonElement>("() => window.picked")).ValueKind);
    }

    [Fact]
    public async Task Open_application_opens_the_app_in_a_slider_with_its_options_and_close_application_closes_it()
    {
        var (_, page, frame) = await OpenAsync();

        await frame.EvaluateAsync("() => { window.sliderClosed = false; window.frameReady.then(b24 => b24.slider.openSliderAppPage({ ID: '42', bx24_title: 'Card' })).then(() => window.sliderClosed = true); }");
        var slider = await FrameAsync(page, 1);
        var options = await RunAsync(slider, "return { placement: b24.placement.placement, options: b24.placement.options };");
        Assert.Equal("42", options.GetProperty("options").GetProperty("ID").GetString());
        Assert.Equal(JsonValueKind.Undefined, options.GetProperty("options").TryGetProperty("bx24_title", out var t) ? t.ValueKind : JsonValueKind.Undefined);
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Card" })).ToBeVisibleAsync();

        await slider.EvaluateAsync("() => { window.frameReady.then(b24 => b24.parent.closeApplication()); }");

        await frame.WaitForFunctionAsync("() => window.sliderClosed === true");
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Card" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Get_interface_answers_and_unknown_commands_or_foreign_app_sids_are_ignored()
    {
        var (_, _, frame) = await OpenAsync();

        var face = await RunAsync(frame, "return await b24.placement.getInterface();");
        Assert.True(face.TryGetProperty("command", out _));
        Assert.True(face.TryGetProperty("event", out _));

        // The frame client resolves "safe" commands by itself after 900 ms when nobody answers.
        var unknown = await RunAsync(frame, "return await b24.parent.message.send('noSuchCommand', { isSafely: true });");
        Assert.True(unknown.GetProperty("isSafely").GetBoolean());

        var foreign = await frame.EvaluateAsync<bool>("""
            () => new Promise(resolve => {
              window.addEventListener('message', e => { if (String(e.data).startsWith('probe:')) resolve(true); });
              parent.postMessage('getInterface:probe:not-this-apps-sid', '*');
              setTimeout(() => resolve(false), 1000);
            })
            """);
        Assert.False(foreign);
    }

    [Fact]
    public async Task The_crm_grid_offers_the_apps_row_menu_placement_only_after_the_install_finished()
    {
        var app = fixture.App.Url.ToString();
        var portal = await fixture.Control.CreatePortalAsync(app: new() { HandlerUrl = app, InstallUrl = app + "install" });
        var (_, bound) = await PortalRest.CallAsync(portal, portal.Admin.AccessToken, "placement.bind", new { PLACEMENT = "CRM_CONTACT_LIST_MENU", HANDLER = app, TITLE = "Call lists" });
        Assert.True((bool)bound["result"]!);
        var page = await (await fixture.Browser.NewContextAsync()).NewPageAsync();

        await page.GotoAsync($"http://{portal.Domain}/?user=1&view=contacts");
        await page.GetByRole(AriaRole.Button, new() { Name = "Actions for" }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Menuitem)).ToHaveCountAsync(0);

        await fixture.Control.UpdateAppAsync(portal, new() { InstallFinished = true });
        await page.ReloadAsync();
        var row = page.Locator("tr[data-entity-id]").First;
        var id = await row.GetAttributeAsync("data-entity-id");
        await row.GetByRole(AriaRole.Button).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Call lists" }).ClickAsync();

        var slider = await FrameAsync(page);
        var placement = await RunAsync(slider, "return { placement: b24.placement.placement, options: b24.placement.options };");
        Assert.Equal("CRM_CONTACT_LIST_MENU", placement.GetProperty("placement").GetString());
        Assert.Equal(id, placement.GetProperty("options").GetProperty("ID").GetString());
    }
}
