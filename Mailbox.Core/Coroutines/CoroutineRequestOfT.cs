using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Mailbox;

/// <summary>
/// A <c>RunAsync</c> request whose task ends with a <typeparamref name="TResult"/> (<see cref="VoidResult"/> for the
/// non-generic overloads). The returned task's continuations run asynchronously, so a caller's continuation never runs
/// inline on the loop thread.
/// </summary>
internal sealed class CoroutineRequest<TResult> : CoroutineRequest
{
    /// <summary>One of <c>Func&lt;Task&gt;</c>, <c>Func&lt;Task&lt;TResult&gt;&gt;</c>, <c>Func&lt;CancellationToken, Task&gt;</c>, <c>Func&lt;CancellationToken, Task&lt;TResult&gt;&gt;</c>.</summary>
    private readonly Delegate _coroutine;

    /// <summary>The caller's task.</summary>
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The coroutine's own task once started.</summary>
    private Task? _running;

    public CoroutineRequest(LoopActor loop, Delegate coroutine, CancellationToken callerToken)
        : base(loop, callerToken) => _coroutine = coroutine;

    /// <summary>The task handed to the caller.</summary>
    public Task<TResult> Task => _completion.Task;

    public override string Describe() => CallbackNames.Of(_coroutine);

    protected override void Start()
    {
        Task? running;
        try
        {
            running = _coroutine switch
            {
                Func<Task<TResult>> f => f(),
                Func<Task> f => f(),
                Func<CancellationToken, Task<TResult>> f => f(CreateOwnToken()),
                Func<CancellationToken, Task> f => f(CreateOwnToken()),
                _ => throw new UnreachableException(), // RunAsync's four overloads make only these shapes
            };
        }
        catch (Exception e)
        {
            // A coroutine delegate that is not an async method may throw before returning a task.
            running = System.Threading.Tasks.Task.FromException(e);
        }

        if (running is null)
        {
            running = System.Threading.Tasks.Task.FromException(new InvalidOperationException("The coroutine returned a null task."));
        }

        _running = running;
        if (running.IsCompleted)
        {
            OnRunningEnded();
        }
        else
        {
            // The loop's SynchronizationContext is current here, so the continuation comes back to the loop thread.
            running.ConfigureAwait(true).GetAwaiter().UnsafeOnCompleted(OnRunningEnded);
        }
    }

    protected override void SetCanceled(CancellationToken token) => _completion.TrySetCanceled(token);

    protected override void SetException(Exception exception) => _completion.TrySetException(exception);

    private CancellationToken CreateOwnToken()
    {
        OwnTokenSource = new CancellationTokenSource();
        return OwnTokenSource.Token;
    }

    private void OnRunningEnded()
    {
        var running = _running!;
        if (!TryEnd())
        {
            return;
        }

        if (running.IsCompletedSuccessfully)
        {
            _completion.TrySetResult(running is Task<TResult> typed ? typed.Result : default!);
        }
        else if (running.IsCanceled)
        {
            _completion.TrySetCanceled(CanceledToken(running));
        }
        else
        {
            var exceptions = running.Exception!.InnerExceptions;
            UnobservedFaults.Track(Loop, Describe(), exceptions);
            _completion.TrySetException(exceptions);
        }
    }

    private static CancellationToken CanceledToken(Task canceled)
    {
        try
        {
            canceled.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException e)
        {
            return e.CancellationToken;
        }

        return default;
    }
}

/// <summary>The result type of the non-generic <c>RunAsync</c> overloads.</summary>
internal readonly struct VoidResult;
