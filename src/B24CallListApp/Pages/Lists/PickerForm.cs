using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace B24CallListApp.Pages.Lists;

/// <summary>What a picker form posts: the search, the page and the ids chosen so far.</summary>
public sealed record PickerForm(string? Query, int Page, IReadOnlyCollection<int> Selected)
{
    /// <summary>The picker's fields; null when an id is not a positive whole number (a tampered form).</summary>
    public static PickerForm? Read(HttpRequest request)
    {
        var form = request.HasFormContentType ? request.Form : null;
        var selected = new List<int>();
        foreach (var value in form?["selected"] ?? default)
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                return null;
            }

            selected.Add(id);
        }

        var pageText = request.Query["page"].ToString() is { Length: > 0 } fromQuery ? fromQuery : form?["page"].ToString();
        var page = int.TryParse(pageText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        return new PickerForm(form?["q"].ToString(), page, selected.Distinct().ToList());
    }
}
