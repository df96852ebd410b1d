using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

public sealed class PortalFrameTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_portal_installs_the_app_in_its_iframe_and_each_user_then_sees_their_lists()
    {
        var portal = await app.Control.CreatePortalAsync(app: new() { HandlerUrl = app.AppBaseForPortal.ToString(), InstallUrl = app.AppBaseForPortal + "install" });
        await using var context = await app.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var blocked = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Refused", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                blocked.Add(message.Text);
            }
        };
        var portalPage = new PortalPageObject(page, portal);

        // First load: the installer page runs BX24.installFinish(); the portal then reopens the app.
        await portalPage.OpenAsync(userId: 1);
        await Assertions.Expect(portalPage.CallListRows).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        await Assertions.Expect(portalPage.SignedInUser).ToHaveTextAsync("Alex Morgan");
        Assert.True((bool)(await app.Control.GetPortalAsync(portal)).App.InstallFinished);

        await portalPage.OpenAsync(userId: 2, lang: "ru");
        await Assertions.Expect(portalPage.Heading).ToHaveTextAsync("Списки обзвона");
        await Assertions.Expect(portalPage.SignedInUser).ToHaveTextAsync("Maria Petrova");
        await Assertions.Expect(portalPage.CallListRows).ToHaveCountAsync(3);
        // Her rows: list 1 holds contacts 1–24, of which she may read those with id % 3 == 1. The link posts the page
        // session through the page's script, so it is followed once the script has run.
        await portalPage.ReadyAsync();
        await portalPage.App.GetByRole(AriaRole.Link, new() { Name = "Список обзвона #1" }).ClickAsync();
        var rows = portalPage.App.Locator("tr[data-entity-id]");
        await Assertions.Expect(rows).ToHaveCountAsync(8);
        Assert.Equal(Enumerable.Range(1, 24).Where(id => id % 3 == 1).Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.getAttribute('data-entity-id'))")).Order(StringComparer.Ordinal).OrderBy(id => id.Length));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "b24calllist-portal-frame.png") });

        Assert.Empty(blocked);
    }

    [Fact]
    public async Task A_page_of_the_app_framed_by_a_third_origin_is_refused_by_the_browser()
    {
        var portal = await app.Control.CreatePortalAsync(app: new() { HandlerUrl = app.AppBaseForPortal.ToString(), InstallUrl = app.AppBaseForPortal + "install" });
        Assert.Equal(200, (await app.Control.InstallAsync(portal, new(Finish: true))).Status);
        var fields = await app.Control.FramePostFieldsAsync(portal, 2);
        var inputs = string.Concat(fields.Select(f => $"<input type=hidden name=\"{f.Key}\" value=\"{System.Net.WebUtility.HtmlEncode(f.Value)}\">"));
        await using var stranger = await StaticPage.StartAsync($$"""
            <!doctype html><html><body>
            <form id="f" method="post" target="victim" action="{{app.AppBaseForPortal}}?DOMAIN={{portal.Domain}}&PROTOCOL=0">{{inputs}}</form>
            <iframe name="victim" title="victim"></iframe>
            <script>document.getElementById('f').submit();</script>
            </body></html>
            """);
        await using var context = await app.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var refused = new TaskCompletionSource<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("frame-ancestors", StringComparison.Ordinal))
            {
                refused.TrySetResult(message.Text);
            }
        };

        await page.GotoAsync(stranger.Url.ToString());

        // The app answered the open (its tokens are genuine), but only for the portal's own origin.
        var message = await refused.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Contains($"http://{portal.Domain}", message, StringComparison.Ordinal);
        var victim = page.Locator("iframe[name=victim]").ContentFrame;
        Assert.Equal(0, await victim.Locator("[data-user]").CountAsync());
        Assert.Equal(0, await victim.GetByText("Maria Petrova").CountAsync());
    }

    [Fact]
    public async Task A_portal_the_app_does_not_know_shows_the_not_installed_page_in_its_frame()
    {
        // The portal believes the app is installed, but the app never saw the install.
        var portal = await app.Control.CreatePortalAsync(app: new() { HandlerUrl = app.AppBaseForPortal.ToString(), InstallFinished = true });
        await using var context = await app.Browser.NewContextAsync();
        var portalPage = new PortalPageObject(await context.NewPageAsync(), portal);

        await portalPage.OpenAsync(userId: 2, lang: "ru");

        await Assertions.Expect(portalPage.Message).ToHaveAttributeAsync("data-message", "NotInstalled", new() { Timeout = 15_000 });
        await Assertions.Expect(portalPage.Message).ToContainTextAsync("Маркета");
    }
}
