using Microsoft.Playwright;
using TestSupport;

namespace B24CallListApp.Tests.Pages;

public sealed class PortalFrameTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_portal_installs_the_app_in_its_iframe_and_each_user_then_sees_their_lists()
    {
        var portal = await app.Control.CreatePortalAsync(extra: new
        {
            handlerUrl = app.AppBaseForPortal.ToString(),
            installUrl = app.AppBaseForPortal + "install",
        });
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
        Assert.True((bool)(await app.Control.GetPortalAsync(portal))["app"]!["installFinished"]!);

        await portalPage.OpenAsync(userId: 2, lang: "ru");
        await Assertions.Expect(portalPage.Heading).ToHaveTextAsync("Списки обзвона");
        await Assertions.Expect(portalPage.SignedInUser).ToHaveTextAsync("Maria Petrova");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "b24calllist-portal-frame.png") });

        Assert.Empty(blocked);
    }

    [Fact]
    public async Task A_portal_the_app_does_not_know_shows_the_not_installed_page_in_its_frame()
    {
        // The portal believes the app is installed, but the app never saw the install.
        var portal = await app.Control.CreatePortalAsync(extra: new { handlerUrl = app.AppBaseForPortal.ToString(), installFinished = true });
        await using var context = await app.Browser.NewContextAsync();
        var portalPage = new PortalPageObject(await context.NewPageAsync(), portal);

        await portalPage.OpenAsync(userId: 2, lang: "ru");

        await Assertions.Expect(portalPage.Message).ToHaveAttributeAsync("data-message", "NotInstalled", new() { Timeout = 15_000 });
        await Assertions.Expect(portalPage.Message).ToContainTextAsync("Маркета");
    }
}
