using System.Linq.Expressions;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace Mailbox.Tests.Diagnostics;

/// <summary>
/// The names fault and slow-callback reports give a delegate: the code a person wrote, not the compiler's types — and
/// never an exception, whatever the delegate is.
/// </summary>
public sealed class CallbackNamesTests
{
    [Fact]
    public void Of_AMethodGroup_IsTypeDotMethod() =>
        Assert.Equal("CallbackNamesTests.Of_AMethodGroup_IsTypeDotMethod", CallbackNames.Of(Of_AMethodGroup_IsTypeDotMethod));

    [Fact]
    public void Of_ALambda_NamesTheMethodItIsWrittenIn()
    {
        int captured = 1;
        Action closure = () => captured++;
        Action cached = static () => { };

        Assert.Equal("CallbackNamesTests.Of_ALambda_NamesTheMethodItIsWrittenIn (lambda)", CallbackNames.Of(closure));
        Assert.Equal("CallbackNamesTests.Of_ALambda_NamesTheMethodItIsWrittenIn (lambda)", CallbackNames.Of(cached));
    }

    [Fact]
    public async Task Of_AnAsyncMethodsContinuation_NamesTheAsyncMethod()
    {
        var awaitable = new CapturingAwaitable();
        var running = SubmitAsync(awaitable);
        var counting = CountAsync(awaitable);

        // It read "VoidTaskResult.MoveNext" before: the box's first type argument is its builder's result type.
        Assert.Equal("CallbackNamesTests.SubmitAsync", CallbackNames.Of(awaitable.Continuations[0]));
        Assert.Equal("CallbackNamesTests.CountAsync", CallbackNames.Of(awaitable.Continuations[1]));
        awaitable.Continuations.ForEach(c => c());
        Assert.True(running.IsCompletedSuccessfully);
        Assert.Equal(1, await counting);
    }

    [Fact]
    public async Task Of_AnAsyncLambdasContinuation_NamesTheMethodTheLambdaIsWrittenIn()
    {
        var awaitable = new CapturingAwaitable();
        Func<Task> lambda = async () => await awaitable;
        var running = lambda();

        // The state machine is <<Of_...>b__N_0>d inside <>c: the lambda's name nests inside the machine's.
        Assert.Equal("CallbackNamesTests.Of_AnAsyncLambdasContinuation_NamesTheMethodTheLambdaIsWrittenIn (lambda)", CallbackNames.Of(awaitable.Continuations[0]));
        awaitable.Continuations[0]();
        await running;
    }

    [Fact]
    public void Of_AnInstanceMethodOfAGenericType_NamesThatType_NotItsArgument()
    {
        // Only an async state machine box's type argument is the code's type; any other generic target is itself.
        Action run = new Holder<int>().Run;
        Assert.Equal("Holder`1.Run", CallbackNames.Of(run));
    }

    [Fact]
    public void Of_ACompiledExpression_WhichHasNoDeclaringType_IsItsMethodName()
    {
        var compiled = Expression.Lambda<Action>(Expression.Empty()).Compile();
        Assert.Null(compiled.Method.DeclaringType);
        Assert.Equal(compiled.Method.Name, CallbackNames.Of(compiled));
    }

    [Fact]
    public void Of_AnEmittedMethodWhoseNameOpensAnglesItNeverCloses_KeepsTheName()
    {
        var method = new DynamicMethod("<emitted", typeof(void), Type.EmptyTypes);
        method.GetILGenerator().Emit(OpCodes.Ret);
        Assert.Equal("<emitted (lambda)", CallbackNames.Of(method.CreateDelegate<Action>()));
    }

    private static async Task SubmitAsync(CapturingAwaitable awaitable) => await awaitable;

    private static async Task<int> CountAsync(CapturingAwaitable awaitable)
    {
        await awaitable;
        return 1;
    }

    private sealed class Holder<T>
    {
        private int _runs;

        public void Run() => _runs++;
    }

    /// <summary>An awaitable that keeps the continuations it is given instead of running them.</summary>
    private sealed class CapturingAwaitable : ICriticalNotifyCompletion
    {
        public List<Action> Continuations { get; } = [];

        public bool IsCompleted => false;

        public CapturingAwaitable GetAwaiter() => this;

        public void GetResult() { }

        public void OnCompleted(Action continuation) => Continuations.Add(continuation);

        public void UnsafeOnCompleted(Action continuation) => Continuations.Add(continuation);
    }
}
