using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EdgeTiny.NanoSubset.Analyzer
{
    /// <summary>
    /// Reports, as errors, C# language features that .NET nanoFramework 1.x (the stable, non-generics line) cannot run
    /// but that a declarations-only corlib cannot catch, because they compile without any special corlib type.
    /// Sources: nanoframework.github.io content/architecture/simplifications-and-trade-offs.md (no generics, no
    /// multidimensional arrays), nanoframework/Home#1107 (no pointers/unsafe, "by design"), nf-interpreter README-GENERICS.md
    /// (generics only on the 2.0 preview line).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class NanoSubsetAnalyzer : DiagnosticAnalyzer
    {
        private const string Category = "NanoFrameworkSubset";

        public static readonly DiagnosticDescriptor GenericType = Rule("NANO001", "generic type declarations");
        public static readonly DiagnosticDescriptor GenericMethod = Rule("NANO002", "generic method declarations");
        public static readonly DiagnosticDescriptor MultiDimArray = Rule("NANO003", "multidimensional arrays (use jagged arrays or a flat array)");
        public static readonly DiagnosticDescriptor Unsafe = Rule("NANO004", "unsafe code, pointers, stackalloc and fixed");
        public static readonly DiagnosticDescriptor Dynamic = Rule("NANO005", "dynamic");
        public static readonly DiagnosticDescriptor RefStruct = Rule("NANO006", "ref struct declarations");
        public static readonly DiagnosticDescriptor Record = Rule("NANO007", "records");
        public static readonly DiagnosticDescriptor Async = Rule("NANO008", "async/await");
        public static readonly DiagnosticDescriptor Iterator = Rule("NANO009", "iterators (yield needs the generic IEnumerator<T>)");
        public static readonly DiagnosticDescriptor NativeInt = Rule("NANO010", "native-sized integers (nint/nuint)");

        /// <summary>Using a generic type or method. The real mscorlib 1.17.11 declares Action&lt;T&gt;, Action&lt;T1,T2&gt;,
        /// Func&lt;...&gt; and EventHandler&lt;T&gt;, so they compile; generics run only on the 2.0 preview runtime, and the
        /// project's rule is that the core does not use them.</summary>
        public static readonly DiagnosticDescriptor GenericUse = new DiagnosticDescriptor(
            "NANO011",
            "Not in nanoFramework 1.x: generic type or method use",
            "NANO011 (generic type or method use): '{0}' is not allowed: nanoFramework 1.x has no generics runtime (mscorlib 1.17.11 declares Action<T>, Func<...> and EventHandler<T>, but the core does not use them)",
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true);

        private static DiagnosticDescriptor Rule(string id, string feature) => new DiagnosticDescriptor(
            id,
            "Not in nanoFramework 1.x: " + feature,
            id + " (" + feature + "): '{0}' is not in nanoFramework 1.x",
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            GenericType, GenericMethod, MultiDimArray, Unsafe, Dynamic, RefStruct, Record, Async, Iterator, NativeInt, GenericUse);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();

            context.RegisterSyntaxNodeAction(AnalyzeTypeParameters, SyntaxKind.TypeParameterList);
            context.RegisterSyntaxNodeAction(AnalyzeArrayRank, SyntaxKind.ArrayRankSpecifier);
            context.RegisterSyntaxNodeAction(AnalyzeUnsafe,
                SyntaxKind.PointerType, SyntaxKind.FunctionPointerType, SyntaxKind.UnsafeStatement, SyntaxKind.FixedStatement,
                SyntaxKind.StackAllocArrayCreationExpression, SyntaxKind.ImplicitStackAllocArrayCreationExpression,
                SyntaxKind.AddressOfExpression, SyntaxKind.PointerIndirectionExpression, SyntaxKind.PointerMemberAccessExpression);
            context.RegisterSyntaxNodeAction(AnalyzeModifiers,
                SyntaxKind.ClassDeclaration, SyntaxKind.StructDeclaration, SyntaxKind.InterfaceDeclaration,
                SyntaxKind.MethodDeclaration, SyntaxKind.ConstructorDeclaration, SyntaxKind.OperatorDeclaration,
                SyntaxKind.ConversionOperatorDeclaration, SyntaxKind.PropertyDeclaration, SyntaxKind.IndexerDeclaration,
                SyntaxKind.FieldDeclaration, SyntaxKind.DelegateDeclaration, SyntaxKind.LocalFunctionStatement,
                SyntaxKind.DestructorDeclaration, SyntaxKind.EventDeclaration, SyntaxKind.EventFieldDeclaration,
                SyntaxKind.ParenthesizedLambdaExpression, SyntaxKind.SimpleLambdaExpression, SyntaxKind.AnonymousMethodExpression);
            context.RegisterSyntaxNodeAction(ctx => Report(ctx, Record, ctx.Node.GetFirstToken()), SyntaxKind.RecordDeclaration);
            context.RegisterSyntaxNodeAction(ctx => Report(ctx, Async, ctx.Node.GetFirstToken()), SyntaxKind.AwaitExpression);
            context.RegisterSyntaxNodeAction(ctx => Report(ctx, Iterator, ctx.Node.GetFirstToken()),
                SyntaxKind.YieldReturnStatement, SyntaxKind.YieldBreakStatement);
            context.RegisterSyntaxNodeAction(AnalyzeIdentifierType, SyntaxKind.IdentifierName);
            context.RegisterSyntaxNodeAction(ctx => Report(ctx, GenericUse, ctx.Node), SyntaxKind.GenericName);
        }

        private static void AnalyzeTypeParameters(SyntaxNodeAnalysisContext ctx)
        {
            var parent = ctx.Node.Parent;
            var rule = parent is MethodDeclarationSyntax || parent is LocalFunctionStatementSyntax ? GenericMethod : GenericType;
            Report(ctx, rule, ctx.Node);
        }

        private static void AnalyzeArrayRank(SyntaxNodeAnalysisContext ctx)
        {
            var rank = (ArrayRankSpecifierSyntax)ctx.Node;
            if (rank.Rank > 1)
            {
                Report(ctx, MultiDimArray, rank);
            }
        }

        private static void AnalyzeUnsafe(SyntaxNodeAnalysisContext ctx)
        {
            if (ctx.Node is StatementSyntax)
            {
                Report(ctx, Unsafe, ctx.Node.GetFirstToken()); // `unsafe { ... }` / `fixed (...)`: point at the keyword
            }
            else
            {
                Report(ctx, Unsafe, ctx.Node);
            }
        }

        private static void AnalyzeModifiers(SyntaxNodeAnalysisContext ctx)
        {
            foreach (var modifier in ModifiersOf(ctx.Node))
            {
                if (modifier.IsKind(SyntaxKind.UnsafeKeyword))
                {
                    Report(ctx, Unsafe, modifier);
                }
                else if (modifier.IsKind(SyntaxKind.AsyncKeyword))
                {
                    Report(ctx, Async, modifier);
                }
                else if (modifier.IsKind(SyntaxKind.RefKeyword) && ctx.Node is StructDeclarationSyntax)
                {
                    Report(ctx, RefStruct, modifier);
                }
            }
        }

        private static SyntaxTokenList ModifiersOf(SyntaxNode node) => node switch
        {
            MemberDeclarationSyntax member => member.Modifiers,
            LocalFunctionStatementSyntax local => local.Modifiers,
            AnonymousFunctionExpressionSyntax lambda => lambda.Modifiers,
            _ => default,
        };

        private static void AnalyzeIdentifierType(SyntaxNodeAnalysisContext ctx)
        {
            var name = (IdentifierNameSyntax)ctx.Node;
            var text = name.Identifier.ValueText;
            if (text != "dynamic" && text != "nint" && text != "nuint")
            {
                return; // cheap syntactic filter before asking the semantic model
            }

            var type = ctx.SemanticModel.GetSymbolInfo(name, ctx.CancellationToken).Symbol as ITypeSymbol;
            if (type == null)
            {
                return;
            }

            if (type.TypeKind == TypeKind.Dynamic)
            {
                Report(ctx, Dynamic, name);
            }
            else if (type is INamedTypeSymbol named && named.IsNativeIntegerType)
            {
                Report(ctx, NativeInt, name);
            }
        }

        private static void Report(SyntaxNodeAnalysisContext ctx, DiagnosticDescriptor rule, SyntaxNode node) =>
            ctx.ReportDiagnostic(Diagnostic.Create(rule, node.GetLocation(), Snippet(node.ToString())));

        private static string Snippet(string text)
        {
            var newline = text.IndexOf('\n');
            if (newline >= 0)
            {
                text = text.Substring(0, newline).TrimEnd();
            }

            return text.Length > 60 ? text.Substring(0, 60) + "..." : text;
        }

        private static void Report(SyntaxNodeAnalysisContext ctx, DiagnosticDescriptor rule, SyntaxToken token) =>
            ctx.ReportDiagnostic(Diagnostic.Create(rule, token.GetLocation(), token.ValueText));
    }
}
