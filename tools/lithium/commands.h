#pragma once

namespace lithium::cli {

int CmdRun(int argc, char** argv);
int CmdInspect(int argc, char** argv);
int CmdTokenize(int argc, char** argv);
int CmdQuantize(int argc, char** argv);
int CmdBench(int argc, char** argv);
int CmdChat(int argc, char** argv);
int CmdTemplate(int argc, char** argv);
int CmdVerify(int argc, char** argv);
int CmdReplay(int argc, char** argv);  // cmd_verify.cc natively, run_policy_stub.cc in wasm
int DefaultThreads();

}  // namespace lithium::cli
