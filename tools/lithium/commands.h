#pragma once

namespace lithium::cli {

int CmdRun(int argc, char** argv);
int CmdInspect(int argc, char** argv);
int CmdTokenize(int argc, char** argv);
int CmdQuantize(int argc, char** argv);
int DefaultThreads();

}  // namespace lithium::cli
