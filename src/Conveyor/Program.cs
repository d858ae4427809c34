using Conveyor.Cli;

return await ConveyorCli.RunAsync(args);
