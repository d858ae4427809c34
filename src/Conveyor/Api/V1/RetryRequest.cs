using System.Text.Json.Serialization;
using Conveyor.Core;

namespace Conveyor.Api.V1;

/// <summary>The optional body of <c>POST /api/v1/jobs/{id}/retry</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RetryRequest(ConfigOverride? ConfigOverride);
