using System.Net;
using System.Text.RegularExpressions;

namespace TestSupport;

/// <summary>A page of the app as a browser receives it, with the pieces tests read from it.</summary>
public sealed partial record AppPage(int Status, string Html)
{
    public string? Session => Attribute(MetaSession(), Html);

    /// <summary>The first form token on the page (each page has one form that changes data).</summary>
    public string? FormToken => Inputs("__form").FirstOrDefault()?.GetValueOrDefault("value");

    public string? FormShown => Inputs("formShown").FirstOrDefault()?.GetValueOrDefault("value");

    /// <summary>The token of the form made for one change (<c>list:1</c>, <c>add:1</c>, <c>new</c>).</summary>
    public string? FormTokenFor(string purpose) =>
        Inputs("__form").FirstOrDefault(i => i.GetValueOrDefault("data-purpose") == purpose)?.GetValueOrDefault("value");

    /// <summary>The page's <c>input</c> elements of one name, each as its attributes (in whatever order the page writes them).</summary>
    IEnumerable<Dictionary<string, string>> Inputs(string name) =>
        InputElement().Matches(Html)
            .Select(input => AttributePair().Matches(input.Value).ToDictionary(a => a.Groups[1].Value, a => WebUtility.HtmlDecode(a.Groups[2].Value), StringComparer.Ordinal))
            .Where(attributes => attributes.GetValueOrDefault("name") == name);

    /// <summary>What the page announces as a success (role="status").</summary>
    public string StatusText => Text(StatusRegion());

    /// <summary>What the page announces as a refusal or error (role="alert").</summary>
    public string AlertText => Text(AlertRegion());

    /// <summary>The key of a message page's sentence (data-message), when the page is only a message.</summary>
    public string? MessageKey => Attribute(MessageAttribute(), Html);

    string Text(Regex region) =>
        WebUtility.HtmlDecode(Regex.Replace(region.Match(Html).Groups[1].Value, "<[^>]+>", " ")).Trim() is var text ? Regex.Replace(text, @"\s+", " ") : "";

    static string? Attribute(Regex pattern, string html) => pattern.Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [GeneratedRegex("<meta name=\"b24-session\" content=\"([^\"]+)\"")]
    private static partial Regex MetaSession();

    [GeneratedRegex("<input\\b[^>]*>")]
    private static partial Regex InputElement();

    [GeneratedRegex("([a-zA-Z][\\w-]*)=\"([^\"]*)\"")]
    private static partial Regex AttributePair();

    [GeneratedRegex("data-outcome-status>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex StatusRegion();

    [GeneratedRegex("data-outcome-alert>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex AlertRegion();

    [GeneratedRegex("data-message=\"([^\"]+)\"")]
    private static partial Regex MessageAttribute();
}
