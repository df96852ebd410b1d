using System.Globalization;
using B24CallListApp.Portals;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace B24CallListApp.Pages;

/// <summary>The session a workspace page hands to its next request (renewed for it), and the portal that frames it.</summary>
public sealed record IssuedPageSession(PageSession Session, string Token, string PortalOrigin);

/// <summary>
/// <c>&lt;session-fields purpose="list:5" /&gt;</c>: the hidden fields every workspace form carries: the page
/// session (iframes block third-party cookies, so it travels in the body, never in the URL), the portal
/// that frames the page, and for a form that changes data a form token bound to the session and the change.
/// </summary>
[HtmlTargetElement("session-fields", TagStructure = TagStructure.WithoutEndTag)]
public sealed class SessionFieldsTagHelper(FormTokens forms) : TagHelper
{
    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    /// <summary>The change the form may make (<c>list:5</c>, <c>add:5</c>, <c>new</c>…); none for a form that only shows.</summary>
    public string? Purpose { get; set; }

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var issued = ViewContext.HttpContext.Features.Get<IssuedPageSession>()
            ?? throw new InvalidOperationException("<session-fields> is for pages of a page session.");
        output.TagName = null;
        output.Content.AppendHtml(Hidden(PageSessions.FieldName, issued.Token));
        output.Content.AppendHtml(Hidden(PageSessionAuthenticationHandler.PortalField, issued.PortalOrigin));
        if (Purpose is { } purpose)
        {
            var token = Hidden(FormTokens.FieldName, forms.Issue(issued.Session, purpose));
            token.Attributes["data-purpose"] = purpose;
            output.Content.AppendHtml(token);
        }
    }

    static TagBuilder Hidden(string name, string value)
    {
        var input = new TagBuilder("input") { TagRenderMode = TagRenderMode.SelfClosing };
        input.Attributes["type"] = "hidden";
        input.Attributes["name"] = name;
        input.Attributes["value"] = value;
        return input;
    }
}

/// <summary>
/// Every address a page's tag helpers build (<c>asp-page</c>, <c>asp-page-handler</c>) carries the user's
/// language, as Bitrix24's own addresses do (<c>LANG</c>), and never the session. Runs after the built-in
/// helpers have written the address.
/// </summary>
[HtmlTargetElement("a", Attributes = "asp-page")]
[HtmlTargetElement("form", Attributes = "asp-page")]
[HtmlTargetElement("form", Attributes = "asp-page-handler")]
[HtmlTargetElement("button", Attributes = "asp-page")]
[HtmlTargetElement("button", Attributes = "asp-page-handler")]
public sealed class LanguageInAddressTagHelper : TagHelper
{
    public override int Order => 1000;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        foreach (var name in new[] { "href", "action", "formaction" })
        {
            if (output.Attributes.TryGetAttribute(name, out var attribute) && attribute.Value?.ToString() is { Length: > 0 } address)
            {
                output.Attributes.SetAttribute(name, WithLanguage(address));
            }
        }
    }

    /// <summary>An address inside the app with the user's language in its query.</summary>
    public static string WithLanguage(string address) =>
        address + (address.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "LANG=" + PortalFields.Language(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName);
}
