using System.Reflection;
using System.Text.RegularExpressions;
using Conveyor.Hosting;
using Conveyor.Tests.Infrastructure;

namespace Conveyor.Tests;

/// <summary>
/// The host's folders (namespaces) form no circle: when <c>Conveyor.Api.V1</c> uses <c>Conveyor.Auth</c>, nothing in
/// <c>Conveyor.Auth</c> uses <c>Conveyor.Api.V1</c>, directly or through others. A dependency is a type one namespace's
/// code names (signatures, attributes, locals and every member its IL touches, read by reflection from the built
/// assembly) or a <c>using</c> of it in the source (which also sees constants, which the compiler inlines).
/// </summary>
public sealed partial class HostNamespaceTests
{
    private static readonly Assembly Host = typeof(ConveyorHost).Assembly;

    [Fact]
    public void No_namespace_of_the_host_depends_on_one_that_depends_back_on_it()
    {
        var graph = NamespaceGraph.Of(Host);
        graph.AddUsings(SourceUsings());

        // The scan sees what it should: the endpoints use auth, the composition root uses the endpoints.
        Assert.Contains("Conveyor.Auth", graph.DependenciesOf("Conveyor.Api.V1"));
        Assert.Contains("Conveyor.Api.V1", graph.DependenciesOf("Conveyor.Hosting"));

        var circles = graph.Circles();
        Assert.True(circles.Count == 0, "Namespaces of the host that depend on each other:\n" + string.Join("\n", circles.Select(graph.Explain)));
    }

    [Fact]
    public void The_circle_finder_reports_a_circle_through_three_namespaces_and_not_a_chain()
    {
        var graph = new NamespaceGraph();
        graph.Add("A", "B", "A.X uses B.Y");
        graph.Add("B", "C", "B.Y uses C.Z");
        graph.Add("C", "D", "C.Z uses D.W");
        Assert.Empty(graph.Circles());

        graph.Add("C", "A", "C.Z uses A.X");
        var circle = Assert.Single(graph.Circles());
        Assert.Equal(["A", "B", "C"], circle.Order());
        Assert.Contains("C.Z uses A.X", graph.Explain(circle));
    }

    /// <summary>(namespace, namespace it imports, file) for every <c>using Conveyor…;</c> in the host's source.</summary>
    private static IEnumerable<(string From, string To, string Where)> SourceUsings()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Conveyor.slnx"))) root = root.Parent;
        Assert.True(root is not null, $"No Conveyor.slnx above {AppContext.BaseDirectory}.");
        var source = Path.Combine(root.FullName, "src", "Conveyor");
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count > 20, $"Found only {files.Count} source files under {source}.");
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            if (NamespacePattern().Match(text) is not { Success: true } declared) continue;
            foreach (Match used in UsingPattern().Matches(text))
                yield return (declared.Groups[1].Value, used.Groups[1].Value, $"{Path.GetRelativePath(source, file)}: using {used.Groups[1].Value}");
        }
    }

    [GeneratedRegex(@"^namespace (Conveyor[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"^using (Conveyor[\w.]*);", RegexOptions.Multiline)]
    private static partial Regex UsingPattern();

    /// <summary>Which namespace depends on which, with one example of each dependency for the failure message.</summary>
    private sealed class NamespaceGraph
    {
        private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

        public void Add(string from, string to, string example)
        {
            if (from == to) return;
            if (!_edges.TryGetValue(from, out var targets)) _edges[from] = targets = new(StringComparer.Ordinal);
            targets.TryAdd(to, example);
            _edges.TryAdd(to, new(StringComparer.Ordinal));
        }

        /// <summary>Only namespaces the assembly defines: a using of another project's namespace is no edge here.</summary>
        public void AddUsings(IEnumerable<(string From, string To, string Where)> usings)
        {
            var known = _edges.Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var (from, to, where) in usings)
            {
                if (known.Contains(from) && known.Contains(to)) Add(from, to, where);
            }
        }

        public IReadOnlyCollection<string> DependenciesOf(string ns) => _edges.TryGetValue(ns, out var targets) ? targets.Keys : [];

        /// <summary>The strongly connected components with more than one namespace (Tarjan).</summary>
        public IReadOnlyList<Circle> Circles()
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var onStack = new HashSet<string>(StringComparer.Ordinal);
            var found = new List<Circle>();
            void Visit(string node)
            {
                index[node] = low[node] = index.Count;
                stack.Push(node);
                onStack.Add(node);
                foreach (var next in _edges[node].Keys)
                {
                    if (!index.ContainsKey(next))
                    {
                        Visit(next);
                        low[node] = Math.Min(low[node], low[next]);
                    }
                    else if (onStack.Contains(next))
                    {
                        low[node] = Math.Min(low[node], index[next]);
                    }
                }
                if (low[node] != index[node]) return;
                var members = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    members.Add(member);
                } while (member != node);
                if (members.Count > 1) found.Add(new Circle(members));
            }
            foreach (var node in _edges.Keys.Order(StringComparer.Ordinal).ToList())
            {
                if (!index.ContainsKey(node)) Visit(node);
            }
            return found;
        }

        /// <summary>Each dependency inside the circle, with the example that made it.</summary>
        public string Explain(Circle circle) =>
            string.Join("\n", circle.Order().SelectMany(from => _edges[from]
                .Where(e => circle.Members.Contains(e.Key))
                .Select(e => $"  {from} -> {e.Key}   ({e.Value})")));

        public static NamespaceGraph Of(Assembly assembly)
        {
            var graph = new NamespaceGraph();
            foreach (var type in assembly.GetTypes())
            {
                var from = NamespaceOf(type);
                if (from is null) continue;
                graph._edges.TryAdd(from, new(StringComparer.Ordinal));
                foreach (var (used, how) in References(type))
                {
                    if (used.Assembly != assembly || NamespaceOf(used) is not { } to) continue;
                    graph.Add(from, to, $"{Name(type)} {how} {Name(used)}");
                }
            }
            return graph;
        }

        /// <summary>The namespace a type's code lives in: nested and compiler-made types (lambdas, async) count as their outermost type's.</summary>
        private static string? NamespaceOf(Type type)
        {
            while (type.DeclaringType is not null) type = type.DeclaringType;
            return type.Namespace is { } ns && (ns == "Conveyor" || ns.StartsWith("Conveyor.", StringComparison.Ordinal)) ? ns : null;
        }

        private static string Name(Type type) => type.FullName ?? type.Name;

        private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static
            | BindingFlags.DeclaredOnly;

        private static IEnumerable<(Type Type, string How)> References(Type type)
        {
            if (type.BaseType is { } baseType) foreach (var t in Expand(baseType)) yield return (t, "derives from");
            foreach (var t in type.GetInterfaces().SelectMany(Expand)) yield return (t, "implements");
            foreach (var t in Attributes(type.CustomAttributes)) yield return (t, "is marked with");
            foreach (var field in type.GetFields(Declared))
            {
                foreach (var t in Expand(field.FieldType).Concat(Attributes(field.CustomAttributes))) yield return (t, $"has field {field.Name} of");
            }
            foreach (var property in type.GetProperties(Declared))
            {
                foreach (var t in Expand(property.PropertyType).Concat(Attributes(property.CustomAttributes)))
                    yield return (t, $"has property {property.Name} of");
            }
            foreach (var method in MethodIl.DeclaredMethods(type))
            {
                foreach (var t in Signature(method)) yield return (t, $"in the signature of {method.Name} uses");
                foreach (var t in Body(type, method)) yield return (t, $"in {method.Name} uses");
            }
        }

        private static IEnumerable<Type> Signature(MethodBase method)
        {
            var types = method.GetParameters().SelectMany(p => Expand(p.ParameterType).Concat(Attributes(p.CustomAttributes)))
                .Concat(Attributes(method.CustomAttributes));
            return method is MethodInfo info ? types.Concat(Expand(info.ReturnType)) : types;
        }

        private static IEnumerable<Type> Attributes(IEnumerable<CustomAttributeData> attributes) =>
            attributes.SelectMany(a => Expand(a.AttributeType).Concat(a.ConstructorArguments.Concat(a.NamedArguments.Select(n => n.TypedValue))
                .Where(v => v.Value is Type).SelectMany(v => Expand((Type)v.Value!))));

        /// <summary>The type and everything it is made of (generic arguments, element types).</summary>
        private static IEnumerable<Type> Expand(Type type)
        {
            if (type.HasElementType) return Expand(type.GetElementType()!);
            if (type.IsGenericParameter) return [];
            return type.IsGenericType ? [type, .. type.GetGenericArguments().SelectMany(Expand)] : [type];
        }

        /// <summary>Locals, caught exceptions and every type, method or field token in the method's IL.</summary>
        private static IEnumerable<Type> Body(Type owner, MethodBase method)
        {
            var body = method.GetMethodBody();
            if (body is null) yield break;
            foreach (var t in body.LocalVariables.SelectMany(l => Expand(l.LocalType))) yield return t;
            foreach (var clause in body.ExceptionHandlingClauses)
            {
                if (clause.Flags == ExceptionHandlingClauseOptions.Clause) foreach (var t in Expand(clause.CatchType!)) yield return t;
            }
            foreach (var (_, member) in MethodIl.MemberReferences(owner, method))
            {
                foreach (var t in MemberTypes(member)) yield return t;
            }
        }

        private static IEnumerable<Type> MemberTypes(MemberInfo? member) => member switch
        {
            Type type => Expand(type),
            MethodInfo method => Expand(method.DeclaringType!).Concat(method.IsGenericMethod ? method.GetGenericArguments().SelectMany(Expand) : []),
            MemberInfo other when other.DeclaringType is { } declaring => Expand(declaring),
            _ => [],
        };
    }

    private sealed record Circle(IReadOnlyList<string> Members)
    {
        public IReadOnlyList<string> Order() => Members.Order(StringComparer.Ordinal).ToList();
    }
}
